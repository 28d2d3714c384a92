/** The recommendation model: embeddings, the network, training in Java, ONNX export and scoring. */
package io.tidings.model;
