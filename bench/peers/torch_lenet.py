#!/usr/bin/python3
"""PyTorch peer of pcmsim's LeNet-5 (experiments/mnist_cnn_fp32.toml): the same net, data,
batch and recipe, timed per epoch on this machine. Not part of the build or the tests
(python3-torch is never a dependency); run it beside build/bench/bench_cnn_speed, e.g. by
bench/peers/lenet_interleaved.sh.

    /usr/bin/python3 bench/peers/torch_lenet.py [--epochs 15] [--threads 2] [--data DIR]

Net: conv 6@5x5 pad 2, relu, maxpool 2, conv 16@5x5, relu, maxpool 2, flatten, dense 120
relu, 84 relu, 10. Recipe as mnist_cnn_fp32.toml: SGD momentum 0.9, lr 0.05 with a cosine
schedule to 0 over the epochs (stepped per epoch, as pcmsim's), weight decay 5e-4 on the
weights (pcmsim applies no weight decay to digital biases), batch 64, a fresh shuffle per
epoch, He-uniform init for layers followed by relu (as pcmsim), PyTorch's default
otherwise; data = the 10k training digits of data/mnist, pixels / 255.
Prints one line per epoch (seconds, train loss) and the final test accuracy.
"""
import argparse
import math
import os
import sys
import time

import torch
from torch import nn

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import mnist_idx  # noqa: E402


def load(split, folder):
    x, y = mnist_idx.load(split, folder)
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


def lenet():
    net = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    for m in net:
        if isinstance(m, (nn.Conv2d, nn.Linear)) and m is not net[-1]:
            nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")  # sqrt(6 / fan_in), as pcmsim
            nn.init.zeros_(m.bias)
    return net


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--data", default=os.path.join(ROOT, "data", "mnist"))
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y = load("train", a.data)
    xt, yt = load("test", a.data)
    net = lenet()
    decay = [p for n, p in net.named_parameters() if n.endswith("weight")]
    no_decay = [p for n, p in net.named_parameters() if n.endswith("bias")]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
                          lr=0.05, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    print("torch %s, threads %d, OMP_WAIT_POLICY=%s" % (torch.__version__, torch.get_num_threads(),
                                                       os.environ.get("OMP_WAIT_POLICY", "(unset)")))
    times = []
    for epoch in range(a.epochs):
        for g in opt.param_groups:
            g["lr"] = 0.05 * 0.5 * (1 + math.cos(math.pi * epoch / a.epochs))
        net.train()
        order = torch.randperm(len(x))
        total = 0.0
        t0 = time.perf_counter()
        for s in range(0, len(x), 64):
            i = order[s:s + 64]
            opt.zero_grad()
            loss = loss_fn(net(x[i]), y[i])
            loss.backward()
            opt.step()
            total += float(loss) * len(i)
        times.append(time.perf_counter() - t0)
        print("epoch %d: %.2f s, train loss %.4f" % (epoch + 1, times[-1], total / len(x)))
    net.eval()
    with torch.no_grad():
        acc = float((net(xt).argmax(1) == yt).float().mean()) * 100
    print("PyTorch LeNet-5 epoch (10k digits, batch 64) %.2f s best, %.2f s mean of %d; test accuracy %.2f %%"
          % (min(times), sum(times) / len(times), len(times), acc))


if __name__ == "__main__":
    main()
