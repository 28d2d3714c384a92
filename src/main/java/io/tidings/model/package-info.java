/** The model's form, shared by serving and training: sizes, the network, embedding tables, the trained model, its codec, ONNX export and storage. */
package io.tidings.model;
