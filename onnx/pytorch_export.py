#!/usr/bin/python3
"""Trains the seed network in PyTorch on a vote CSV and exports it as a whole-model file that
`./tidings model import` accepts (the contract: onnx/README.md, "Whole-model file").

    /usr/bin/python3 onnx/pytorch_export.py VOTES.csv OUT.onnx [SEED]
    ./tidings model import OUT.onnx

Needs Debian's PyTorch and onnx (`apt-get install python3-torch python3-onnx`). torch.onnx.export writes the
network with the embedding tables as initializers read by Gather; the onnx package then puts one ai.onnx.ml
LabelEncoder in front of each Gather (raw id -> row; unknown ids -> the appended mean row), so the file scores
raw (reader, channel, post) ids. Telegram ids must be integers: the CSV's ids are used as they are when they
parse as integers, otherwise they are numbered in order of appearance (and printed to OUT.onnx.ids.json).
src/test/resources/onnx/pytorch-small.onnx was made by this script (PyTorch 1.13, onnx 1.12).
"""
import json
import sys

import onnx
import torch
from onnx import helper

import pytorch_reference as ref


class Whole(torch.nn.Module):
    """Rows in, P(like) out; the parameter names are the contract's initializer names."""

    def __init__(self, seed_model):
        super().__init__()
        with torch.no_grad():
            tables = []
            for e in (seed_model.u, seed_model.c, seed_model.p):
                w = e.weight.detach()
                tables.append(torch.cat((w, w.mean(dim=0, keepdim=True)), dim=0))  # last row: unknown ids
        self.reader_table = torch.nn.Parameter(tables[0])
        self.channel_table = torch.nn.Parameter(tables[1])
        self.post_table = torch.nn.Parameter(tables[2])
        self.W1 = torch.nn.Parameter(seed_model.l1.weight.detach().clone())
        self.b1 = torch.nn.Parameter(seed_model.l1.bias.detach().clone())
        self.W2 = torch.nn.Parameter(seed_model.l2.weight.detach().clone())
        self.b2 = torch.nn.Parameter(seed_model.l2.bias.detach().clone())

    def forward(self, reader_row, channel_row, post_row):
        x = torch.cat((self.reader_table[reader_row], self.channel_table[channel_row], self.post_table[post_row]), dim=1)
        h = torch.relu(x @ self.W1.t() + self.b1)
        return torch.sigmoid(h @ self.W2.t() + self.b2)


def numeric(keys):
    try:
        out = {k: int(k) for k in keys}
        if len(set(out.values())) == len(out):
            return out
    except ValueError:
        pass
    return {k: i for i, k in enumerate(keys)}


def main(votes, out, seed):
    rows = ref.read(votes)
    seed_model, maps, _ = ref.fit(rows, None, 5, seed)
    whole = Whole(seed_model).eval()
    n = 4
    example = tuple(torch.zeros(n, dtype=torch.long) for _ in range(3))
    torch.onnx.export(whole, example, out, input_names=["reader_row", "channel_row", "post_row"],
                      output_names=["p"], dynamic_axes={k: {0: "N"} for k in ("reader_row", "channel_row", "post_row", "p")},
                      opset_version=17, do_constant_folding=False)
    model = onnx.load(out)
    g = model.graph
    ids = {}
    encoders = []
    for k, (name, table) in enumerate((("reader", maps[0]), ("channel", maps[1]), ("post", maps[2]))):
        # posts are keyed "channel/post" by the reference reader, so they are numbered in order
        keys = list(table.keys())
        raw = keys
        as_int = numeric(raw)
        ids[name] = {r: as_int[r] for r in raw}
        encoders.append(helper.make_node("LabelEncoder", [name + "_id"], [name + "_row"], domain="ai.onnx.ml",
                                         name=name + "_row", keys_int64s=[as_int[r] for r in raw],
                                         values_int64s=[table[key] for key in keys], default_int64=len(keys)))
    inputs = [helper.make_tensor_value_info(n + "_id", onnx.TensorProto.INT64, ["N"]) for n in ("reader", "channel", "post")]
    del g.input[:]
    g.input.extend(inputs)
    nodes = encoders + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    model.opset_import.append(helper.make_opsetid("ai.onnx.ml", 2))
    onnx.checker.check_model(model)
    onnx.save(model, out)
    with open(out + ".ids.json", "w") as f:
        json.dump(ids, f)
    print(f"wrote {out}: import it with ./tidings model import {out}")


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit("usage: pytorch_export.py VOTES.csv OUT.onnx [SEED]")
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]) if len(sys.argv) == 4 else 42)
