/** Serving the model: the fast scoring path (Java and Vector API kernels), ONNX Runtime sessions, and the registry that hot-swaps versions. */
package io.tidings.model.serve;
