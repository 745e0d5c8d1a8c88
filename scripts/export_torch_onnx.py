#!/usr/bin/python3
"""Trains two small MNIST networks in PyTorch and writes them with torch.onnx.export, so
that pcmsim's ONNX import is tested on what PyTorch really emits (not on files laid out by
hand). For each file it also writes the PyTorch logits of the first 64 test digits and
PyTorch's accuracy on all 10k test digits; tests/io and tests/experiment check that
pcmsim's FP32 forward of the imported file gives the same numbers.

    /usr/bin/python3 scripts/export_torch_onnx.py     # writes experiments/onnx/torch_*
    /usr/bin/python3 scripts/export_torch_onnx.py --bad-only   # only the torch_bad_* files

Files (all committed; a few to 100 kB):
  torch_mlp_opset13.onnx  nn.Flatten, Linear 784->32, ReLU, Dropout, Linear 32->10,
                          LogSoftmax (exported in eval mode: Dropout disappears)
  torch_cnn_opset11.onnx  Conv 4@5x5 pad 2, ReLU, MaxPool 2, Conv 8@5x5, Tanh,
  torch_cnn_opset17.onnx  AvgPool 2, x.view(x.size(0), -1) (Shape/Gather/Unsqueeze/Concat/
                          Reshape with a dynamic batch), Linear 200->32, Sigmoid,
                          Linear 32->10; the same trained weights at two opsets
  torch_bad_*.onnx        untrained models with what pcmsim refuses (one-line errors,
                          tests/io/onnx_test.cpp): LeakyReLU, a residual add, BatchNorm
                          exported in training mode, a 1-D convolution
  <name>.torch.txt        line 1: "accuracy <correct of 10000>"; then one line of 10
                          logits per test digit 0..63 (PyTorch FP32, %.9g; before the
                          MLP's LogSoftmax, which pcmsim drops: it works on logits)

Recipe (an assumption, not tuned): SGD momentum 0.9, lr 0.05, batch 64, 2 epochs over the
10k training digits of data/mnist, torch.manual_seed(7), 2 threads. Needs Debian's
python3-torch (1.13) and python3-numpy only; the build and the tests never run it.
"""
import os
import sys

import torch
from torch import nn

import mnist_idx

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT = os.path.join(ROOT, "experiments", "onnx")
REFERENCE_DIGITS = 64


def load(split):
    x, y = mnist_idx.load(split)  # pixels / 255 in float32, as pcmsim's IDX reader
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y)


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 32)
        self.relu = nn.ReLU()
        self.drop = nn.Dropout(0.1)
        self.fc2 = nn.Linear(32, 10)
        self.out = nn.LogSoftmax(dim=1)

    def logits(self, x):  # what pcmsim computes: it drops a final (Log)Softmax
        return self.fc2(self.drop(self.relu(self.fc1(self.flatten(x)))))

    def forward(self, x):
        return self.out(self.logits(x))


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 5, padding=2)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 8, 5)
        self.pool2 = nn.AvgPool2d(2)
        self.fc1 = nn.Linear(200, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool1(torch.relu(self.conv1(x)))
        x = self.pool2(torch.tanh(self.conv2(x)))
        x = x.view(x.size(0), -1)
        return self.fc2(torch.sigmoid(self.fc1(x)))

    def logits(self, x):
        return self.forward(x)


def train(model, x, y, epochs=2, lr=0.05, momentum=0.9, batch=64):
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        model.train()
        order = torch.randperm(len(x))
        for s in range(0, len(x), batch):
            i = order[s:s + batch]
            opt.zero_grad()
            loss_fn(model(x[i]), y[i]).backward()
            opt.step()
    model.eval()


def export(model, name, opset, xt, yt):
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, xt[:1], path, opset_version=opset, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    with torch.no_grad():
        logits = model.logits(xt)
    correct = int((logits.argmax(1) == yt).sum())
    with open(os.path.join(OUT, name + ".torch.txt"), "w") as f:
        f.write("accuracy %d\n" % correct)
        for row in logits[:REFERENCE_DIGITS].numpy():
            f.write(" ".join("%.9g" % v for v in row) + "\n")
    print("%s: opset %d, %d bytes, PyTorch test accuracy %.2f %%" % (path, opset, os.path.getsize(path),
                                                                    correct / 100.0))


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(64, 64)
        self.out = nn.Linear(64, 10)

    def forward(self, x):
        x = torch.flatten(x, 1)
        return self.out(x + self.fc(x))


def export_bad():
    """Small untrained models with an op or a structure the layer graph cannot express."""
    torch.manual_seed(8)
    x = torch.zeros(1, 1, 8, 8)  # small: the files stay a few kB
    cases = {
        "torch_bad_leakyrelu": (nn.Sequential(nn.Conv2d(1, 2, 5), nn.LeakyReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 10)),
                                x, False),
        "torch_bad_residual": (Residual(), x, False),
        "torch_bad_batchnorm": (nn.Sequential(nn.Conv2d(1, 2, 5), nn.BatchNorm2d(2), nn.Flatten(),
                                              nn.Linear(2 * 4 * 4, 10)), x, True),
        "torch_bad_conv1d": (nn.Sequential(nn.Conv1d(8, 4, 5), nn.Flatten(), nn.Linear(4 * 4, 10)),
                             torch.zeros(1, 8, 8), False),
    }
    for name, (model, sample, training) in cases.items():
        path = os.path.join(OUT, name + ".onnx")
        mode = torch.onnx.TrainingMode.TRAINING if training else torch.onnx.TrainingMode.EVAL
        model.train(training)
        torch.onnx.export(model, sample, path, opset_version=13, input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, training=mode,
                          do_constant_folding=not training)
        print("%s: %d bytes" % (path, os.path.getsize(path)))


def main():
    export_bad()
    if "--bad-only" in sys.argv:
        return
    torch.manual_seed(7)
    torch.set_num_threads(2)
    x, y = load("train")
    xt, yt = load("test")
    mlp = Mlp()
    train(mlp, x, y)
    export(mlp, "torch_mlp_opset13", 13, xt, yt)
    cnn = Cnn()
    train(cnn, x, y)
    export(cnn, "torch_cnn_opset11", 11, xt, yt)
    export(cnn, "torch_cnn_opset17", 17, xt, yt)


if __name__ == "__main__":
    main()
