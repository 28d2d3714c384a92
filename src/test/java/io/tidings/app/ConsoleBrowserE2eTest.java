package io.tidings.app;

import static io.tidings.app.ConsoleFixture.ANN;
import static io.tidings.app.ConsoleFixture.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console's pages in a real headless browser: Debian's chromium driven through its chromedriver (installed by
 * .ci/run). An operator signs in through the bot's link, sees the overview's charts drawn, approves a held suggestion,
 * schedules and cancels a broadcast and opens a reader's inspector; reused, expired and foreign links and a change
 * without the CSRF token are refused. Screenshots go to target/console-*.png.
 */
class ConsoleBrowserE2eTest {

    private static final Path SHOTS = Path.of("target");
    // one service and one browser for the class: the tests change nothing the other reads but sign-ins (forgotten
    // before each) and the browser's session (its cookies deleted before each)
    private static ConsoleFixture f;
    private static WebDriver browser;
    private static WebDriverWait wait;
    private static Path profile;

    @BeforeAll
    static void startServiceAndBrowser() throws IOException {
        f = new ConsoleFixture();
        profile = Files.createTempDirectory("tidings-chromium");
        ChromeOptions options = new ChromeOptions();
        if (Files.isExecutable(Path.of("/usr/bin/chromium"))) options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                "--window-size=1400,1000", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(System.getProperty("chromedriver", "/usr/bin/chromedriver")))
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
    }

    @BeforeEach
    void signedOut() {
        f.forgetSignIns();
        browser.get(f.base() + "/login"); // a page of the console's own, whose cookies are then deleted
        browser.manage().deleteAllCookies();
    }

    @AfterAll
    static void stopServiceAndBrowser() throws IOException {
        if (browser != null) browser.quit();
        if (f != null) f.close();
        if (profile != null) {
            try (var paths = Files.walk(profile)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void anOperatorRunsTheServiceFromTheBrowser() {
        f.app.consoleRollups().refresh().block(Duration.ofSeconds(30)); // as the loop does every minute
        browser.get(f.link());
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("overview-cards")));
        assertThat(browser.getCurrentUrl()).endsWith("/console/");
        assertThat(text("overview-cards")).contains("Readers active").contains("Replicas alive");
        wait.until(d -> drawn("chart-posts") && drawn("chart-sent"));
        shot("console-overview.png");

        browser.get(f.base() + "/#channels");
        WebElement approve = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[data-approve=gammanews]")));
        approve.click();
        wait.until(d -> text("held").contains("nothing yet"));
        assertThat(f.e2e.count("SELECT count(*) FROM channels WHERE username = 'gammanews' AND status = 'active'")).isEqualTo(1);

        browser.get(f.base() + "/#broadcasts");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("broadcast-post"))).sendKeys("https://t.me/alphanews/3");
        browser.findElement(By.id("preview-button")).click();
        wait.until(d -> !d.findElements(By.cssSelector("#preview .bubble")).isEmpty());
        assertThat(text("preview")).contains("👍").contains("👎");
        // …or composed from a text, previewed as a reader will see it
        browser.findElement(By.id("broadcast-text")).sendKeys("Maintenance tonight, 22:00 to 23:00 UTC.");
        browser.findElement(By.id("preview-button")).click();
        // the message's HTML goes into a sandboxed frame (its document is not readable from the page): read what it was given
        wait.until(d -> js("const f = document.querySelector('#preview iframe'); return f ? f.srcdoc : '';").toString()
                .contains("Maintenance tonight"));
        assertThat(js("return document.querySelector('#preview iframe').srcdoc").toString())
                .contains("<b>📢</b>\n\nMaintenance tonight, 22:00 to 23:00 UTC.").doesNotContain("t.me");
        js("const t = new Date(Date.now() + 2 * 3600 * 1000); t.setSeconds(0, 0);"
                + "document.getElementById('broadcast-at').value = new Date(t - t.getTimezoneOffset() * 60000).toISOString().slice(0, 16);");
        shot("console-broadcasts.png");
        browser.findElement(By.cssSelector("form.inline button[type=submit]")).click();
        WebElement cancel = wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[data-cancel]")));
        assertThat(f.e2e.count("SELECT count(*) FROM broadcasts b JOIN posts p ON p.id = b.post_id WHERE b.state = 'scheduled' "
                + "AND b.send_at > now() + interval '1 hour' AND p.text = 'Maintenance tonight, 22:00 to 23:00 UTC.'")).isEqualTo(1);
        cancel.click();
        wait.until(d -> d.findElements(By.cssSelector("[data-cancel]")).isEmpty() && text("broadcast-list").contains("cancelled"));
        assertThat(f.e2e.count("SELECT count(*) FROM broadcasts WHERE state = 'cancelled'")).isEqualTo(1);

        browser.get(f.base() + "/#readers");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("reader-query"))).sendKeys(Long.toString(ANN), "\n");
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("[data-inspect='" + ANN + "']"))).click();
        wait.until(d -> text("candidates").contains("alphanews") && text("deliveries").contains("sent"));
        assertThat(text("inspector")).contains("Reader " + ANN);
        assertThat(text("deliveries")).contains("start");
        assertThat(text("candidates")).contains("noise").contains("penalty").contains("key");
        shot("console-reader.png");

        browser.get(f.base() + "/#quality");
        wait.until(d -> text("quality-cards").contains("Exploration picks"));
        assertThat(text("quality-cards")).contains("Mutes").contains("\"Less\" presses");
        wait.until(d -> drawn("chart-like-rate"));
        shot("console-quality.png");

        browser.get(f.base() + "/#audit");
        wait.until(d -> text("view").contains("cancel_broadcast"));
        assertThat(text("view")).contains("approve_channel").contains("schedule_broadcast")
                .contains("sign_in").contains(Long.toString(OPERATOR));

        @SuppressWarnings("unchecked")
        Map<String, Object> forged = (Map<String, Object>) ((JavascriptExecutor) browser).executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                        + "fetch('/console/api/readers/" + ANN + "/ban', {method: 'POST', body: '{}', headers: {'Content-Type': 'application/json'}})"
                        + ".then(r => r.text().then(t => done({status: r.status, text: t})));");
        assertThat(((Number) forged.get("status")).intValue()).as("a POST without the CSRF token").isEqualTo(403);
        assertThat((String) forged.get("text")).contains("Missing CSRF token");
        assertThat(f.e2e.count("SELECT count(*) FROM reader_bans")).isZero();
    }

    @Test
    void reusedExpiredAndForeignLinksAreRefusedWithAClearPage() {
        String link = f.link();
        browser.get(link);
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("overview-cards")));

        for (var c : List.of(
                Map.entry(link, "Link already used"),
                Map.entry(f.forgedLinkFor(OPERATOR, Duration.ofMinutes(11)), "Link expired"),
                Map.entry(f.forgedLinkFor(ANN, Duration.ZERO), "Not an operator"))) {
            browser.get(c.getKey());
            assertThat(wait.until(ExpectedConditions.presenceOfElementLocated(By.id("refusal"))).getText()).isEqualTo(c.getValue());
        }
        shot("console-refused.png");
        assertThat(f.e2e.count("SELECT count(*) FROM console_audit WHERE action = 'sign_in'")).isEqualTo(1);
    }

    /** Whether the chart's canvas has any painted pixel. */
    private static boolean drawn(String chartId) {
        Object painted = js("const c = document.querySelector('#" + chartId + " canvas'); if (!c || !c.width) return 0;"
                + "const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;"
                + "for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) n++; return n;");
        return ((Number) painted).longValue() > 100;
    }

    /** An element's text read in one step (pages re-render: a found element may be replaced before it is read). */
    private static String text(String id) {
        Object t = js("const e = document.getElementById('" + id + "'); return e ? e.innerText : '';");
        return t == null ? "" : t.toString();
    }

    private static Object js(String script) {
        return ((JavascriptExecutor) browser).executeScript(script);
    }

    private static void shot(String name) {
        try {
            Files.createDirectories(SHOTS);
            File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
            Files.copy(png.toPath(), SHOTS.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
