/** Offline tools on the model: evaluation against baselines, metrics (AUC, log loss), tuning, synthetic votes, the scoring bench and ONNX inspection. */
package io.tidings.model.offline;
