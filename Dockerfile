# tidings: build with Maven, run on a JRE as a non-root user.
#   docker build -t tidings:0.1.0 .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src ./src
COPY onnx ./onnx
RUN mvn -B -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 tidings && useradd --system --uid 10001 --gid tidings --home /app tidings
WORKDIR /app
COPY --from=build /src/target/tidings.jar /app/tidings.jar
COPY --from=build /src/target/lib /app/lib
# jdk.incubator.vector: the fast path's SIMD kernel, added when this JRE has it (else the scalar kernel runs)
RUN if java --list-modules | grep -q '^jdk\.incubator\.vector@'; then \
      echo '--add-modules=jdk.incubator.vector' > /app/jvm.options; else : > /app/jvm.options; fi
USER 10001:10001
# the root filesystem may be read-only: temporary files (ONNX Runtime's native library) go to /tmp, a volume
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -Djava.io.tmpdir=/tmp" HTTP_PORT=8080
EXPOSE 8080
ENTRYPOINT ["java", "@/app/jvm.options", "-jar", "/app/tidings.jar"]
CMD ["run"]
