#!/usr/bin/python3
"""The live demo in a real browser: headless Chromium (Selenium + chromedriver) against a
running `pcmsim serve` on the fixture's result files (fp32, fp8, analog).

1. A stroke drawn with the mouse reaches the networks (pointer events -> classification).
2. An MNIST test digit drawn onto the canvas by script: the page's preprocessing (bounding
   box to 20x20, centre of mass to the middle) must keep the digit: the page's FP32
   prediction equals what pcmsim gives for the original test image (the API on the IDX
   pixels) and the label; the bars show exactly the server's answer for the 28x28 the page
   sent (asked again from here, bit for bit).
3. The slider moved to 10 years: the analog probabilities change, FP32's stay the same bits;
   compensation off changes the analog ones again.
4. A screenshot of the page.
Exit 77 (ctest: skipped) when Selenium, Chromium or chromedriver are missing.
"""
import argparse
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import urllib.request

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
except ImportError:
    print("skipped: python3-selenium is not installed")
    sys.exit(77)

T_MAX = 10 * 365 * 86400


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)
    print("ok: " + msg)


def mnist_test_digit(folder, index):
    with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz")) as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        assert magic == 2051 and index < n
        f.seek(16 + index * rows * cols)
        pixels = f.read(rows * cols)
    with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")) as f:
        f.seek(8 + index)
        label = f.read(1)[0]
    return [p / 255.0 for p in pixels], label  # as io::LoadIdxDataset scales them


def post(url, body):
    req = urllib.request.Request(url + "api/classify", json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def wait_for(driver, script, timeout=60, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def save_screenshot(driver, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    for _ in range(2):  # the window's chrome takes some of its height: measure again after resizing
        height = driver.execute_script("return document.documentElement.scrollHeight")
        inner = driver.execute_script("return window.innerHeight")
        size = driver.get_window_size()
        driver.set_window_size(1280, size["height"] + max(0, height - inner))
    driver.save_screenshot(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pcmsim", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--mnist", required=True)
    ap.add_argument("--screenshot", required=True)
    ap.add_argument("--digit", type=int, default=0, help="index into the MNIST test set")
    ap.add_argument("--url", help="screenshot mode: a running `pcmsim serve` (any models); draw the digit, "
                                  "set one year, save the screenshot, no checks")
    a = ap.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_bin = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not chromium or not os.path.exists(driver_bin):
        print("skipped: chromium or chromedriver not found")
        sys.exit(77)

    files = [os.path.join(a.results, f) for f in ("fp32.h5", "fp8.h5", "analog.h5")]
    server = None
    if not a.url:
        server = subprocess.Popen([a.pcmsim, "serve", *files, "--port", "0", "--workers", "2"],
                                  stdout=subprocess.PIPE, text=True)
    driver = None
    try:
        url = a.url
        if server:
            line = server.stdout.readline()
            if not line.startswith("serving on "):
                fail("pcmsim serve did not start: " + repr(line))
            url = line.split()[-1]
        print("server: " + url)

        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--window-size=1280,1480", "--hide-scrollbars", "--force-device-scale-factor=1"):
            opts.add_argument(arg)
        driver = webdriver.Chrome(service=Service(driver_bin), options=opts)
        driver.set_script_timeout(30)
        driver.get(url)
        wait_for(driver, "return window.pcmsimDemo && window.pcmsimDemo.state.ready", what="the page")
        if a.url:
            raw, _ = mnist_test_digit(a.mnist, a.digit)
            driver.execute_script("pcmsimDemo.drawGrey(arguments[0], 28, 28); const s = document.getElementById('time');"
                                  "s.value = 90; s.dispatchEvent(new Event('input'))", raw)
            wait_for(driver, "const r = pcmsimDemo.state.response; return pcmsimDemo.idle() && r && r.t_seconds > 3e7",
                     what="the classification")
            save_screenshot(driver, a.screenshot)
            return
        names = driver.execute_script("return pcmsimDemo.state.models.map(m => m.name)")
        check(names == ["fp32", "fp8", "analog"], "the page lists the three models: %s" % names)

        # 1. A stroke with the mouse.
        pad = driver.find_element(By.ID, "pad")
        before = driver.execute_script("return pcmsimDemo.state.requests")
        ActionChains(driver).move_to_element_with_offset(pad, 0, -90).click_and_hold() \
            .move_by_offset(0, 60).move_by_offset(0, 60).move_by_offset(0, 60).release().perform()
        wait_for(driver, "return pcmsimDemo.state.requests > %d && pcmsimDemo.idle() && !pcmsimDemo.state.error && "
                         "pcmsimDemo.state.response" % before, what="a classification of the stroke")
        check(driver.execute_script("return pcmsimDemo.state.input.some(v => v > 0.5)"),
              "a mouse stroke reaches the 28x28 input")

        # 2. An MNIST test digit, drawn by script onto the canvas.
        raw, label = mnist_test_digit(a.mnist, a.digit)
        direct = post(url, {"pixels": raw, "models": ["fp32"]})["results"][0]
        print("pcmsim on the original test image %d (label %d): fp32 predicts %d (p = %.3f)"
              % (a.digit, label, direct["predicted"], max(direct["probabilities"])))
        before = driver.execute_script("return pcmsimDemo.state.requests")
        driver.execute_script("pcmsimDemo.drawGrey(arguments[0], 28, 28)", raw)
        wait_for(driver, "return pcmsimDemo.state.requests > %d && pcmsimDemo.idle() && !pcmsimDemo.state.error"
                 % before, what="a classification of the drawn digit")
        sent = driver.execute_script("return pcmsimDemo.state.input")
        page = driver.execute_script("return pcmsimDemo.state.response")
        diff = sum(abs(x - y) for x, y in zip(sent, raw)) / len(raw)
        print("page's 28x28 vs the original: mean |difference| %.4f (of 0..1)" % diff)
        shown = {e.get_attribute("data-model"): e.find_element(By.CLASS_NAME, "pred").text
                 for e in driver.find_elements(By.CLASS_NAME, "model")}
        for r in page["results"]:
            check(shown[r["name"]] == str(r["predicted"]),
                  "%s: the page shows %s, the server answered %d" % (r["name"], shown[r["name"]], r["predicted"]))
        again = post(url, {"pixels": sent, "t_seconds": page["t_seconds"], "compensation": page["compensation"],
                           "seed": page["seed"]})
        for mine, theirs in zip(again["results"], page["results"]):
            check(mine["probabilities"] == theirs["probabilities"],
                  "%s: the page's bars are pcmsim's probabilities for the input it shows" % mine["name"])
        fp32 = next(r for r in page["results"] if r["name"] == "fp32")
        check(fp32["predicted"] == direct["predicted"] == label,
              "fp32 on the page's preprocessed drawing predicts %d, as pcmsim on the original test image (%d), "
              "label %d" % (fp32["predicted"], direct["predicted"], label))

        # 3. The slider to 10 years, then compensation off.
        def results():
            return {r["name"]: r["probabilities"] for r in driver.execute_script("return pcmsimDemo.state.response")["results"]}

        def set_and_wait(script, t_expected, comp_expected):
            driver.execute_script(script)
            wait_for(driver, "const r = pcmsimDemo.state.response; return pcmsimDemo.idle() && r && "
                             "r.t_seconds === %r && r.compensation === %s"
                             % (t_expected, "true" if comp_expected else "false"),
                     what="a classification at t = %g s" % t_expected)
            return results()

        young = results()
        old = set_and_wait("const s = document.getElementById('time'); s.value = s.max; "
                           "s.dispatchEvent(new Event('input'))", float(T_MAX), True)
        label_text = driver.find_element(By.ID, "time-label").text
        check(label_text == "10 years", "the slider's label reads %r" % label_text)
        check(old["analog"] != young["analog"], "analog probabilities change from 1 s to 10 years")
        check(old["fp32"] == young["fp32"] and old["fp8"] == young["fp8"], "fp32 and fp8 probabilities do not")
        print("analog p(%d): %.4f at 1 s, %.4f at 10 years (compensated)"
              % (label, young["analog"][label], old["analog"][label]))
        raw_old = set_and_wait("const c = document.getElementById('compensation'); c.checked = false; "
                               "c.dispatchEvent(new Event('change'))", float(T_MAX), False)
        check(raw_old["analog"] != old["analog"], "compensation off changes the analog probabilities")
        print("analog p(%d): %.4f at 10 years without compensation" % (label, raw_old["analog"][label]))
        # For the screenshot: one year, compensated.
        set_and_wait("const c = document.getElementById('compensation'); c.checked = true; "
                     "c.dispatchEvent(new Event('change')); const s = document.getElementById('time'); s.value = 90; "
                     "s.dispatchEvent(new Event('input'))", 10 ** 7.5, True)
        save_screenshot(driver, a.screenshot)
        check(os.path.getsize(a.screenshot) > 10000, "screenshot saved: " + a.screenshot)
    finally:
        if driver is not None:
            driver.quit()
        if server:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    print("browser test passed")


if __name__ == "__main__":
    main()
