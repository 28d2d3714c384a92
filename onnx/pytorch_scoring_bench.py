#!/usr/bin/python3
"""How fast the seed network scores (reader, post) pairs in PyTorch: the original bot's way (concatenate the three
embedding rows of every pair, one forward pass over the batch), to set beside `./tidings bench score`.
Prints one JSON line {"readers":..,"posts":..,"torch_pairs_per_s":..,"threads":..}.
    /usr/bin/python3 onnx/pytorch_scoring_bench.py [READERS] [POSTS]     (default 100000 × 20)
"""
import json
import os
import sys
import time

import torch

READER, CHANNEL, POST, HIDDEN = 100, 80, 20, 70


def main(readers, posts):
    torch.manual_seed(1)
    torch.set_num_threads(os.cpu_count() or 1)  # Debian's build starts with one thread
    u = torch.nn.Embedding(readers, READER)
    c = torch.nn.Embedding(max(1, posts // 5), CHANNEL)
    p = torch.nn.Embedding(posts, POST)
    net = torch.nn.Sequential(torch.nn.Linear(READER + CHANNEL + POST, HIDDEN), torch.nn.ReLU(),
                              torch.nn.Linear(HIDDEN, 1), torch.nn.Sigmoid())
    reader_ids = torch.arange(readers)
    best = 0.0
    with torch.inference_mode():
        for attempt in range(3):
            start = time.perf_counter()
            for post in range(posts):  # one post against every reader, as a mailing scores it
                ids = torch.full((readers,), post, dtype=torch.long)
                x = torch.cat((u(reader_ids), c(ids // 5), p(ids)), dim=1)
                net(x)
            best = max(best, readers * posts / (time.perf_counter() - start))
    print(json.dumps({"readers": readers, "posts": posts, "torch_pairs_per_s": round(best),
                      "threads": torch.get_num_threads(), "torch": torch.__version__}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000, int(sys.argv[2]) if len(sys.argv) > 2 else 20)
