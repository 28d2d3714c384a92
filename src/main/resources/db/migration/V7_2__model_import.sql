-- Model versions may also be imported from a whole-model ONNX file (`tidings model import`).
ALTER TABLE model_versions DROP CONSTRAINT model_versions_kind_check;
ALTER TABLE model_versions ADD CONSTRAINT model_versions_kind_check CHECK (kind IN ('full', 'incremental', 'import'));
