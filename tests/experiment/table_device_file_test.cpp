// The table device file and the trace CSV: what is written reads back to the same numbers,
// the registry picks the family by `model`, and bad input names file, key / line and reason.
#include "pcmsim/experiment/table_device_file.hpp"

#include <fstream>

#include "pcmsim/device/pcm_params.hpp"
#include "pcmsim/device/trace.hpp"
#include "pcmsim/experiment/options_load.hpp"
#include "pcmsim/experiment/trace_csv.hpp"
#include "test_util.hpp"

namespace pcmsim::experiment {
namespace {

device::TableDevice Example() {
  device::TableDevice d;
  d.name = "example";
  d.g_min = 0.1e-6;
  d.g_max = 20e-6;
  d.g_clip_max = 22e-6;
  d.t0 = 38.6;
  d.program_std = {{1e-6, 10e-6}, {0.3e-6, 1.1e-6}, "fitted from x.csv, 1000 devices"};
  d.nu_mean = {{1e-6, 10e-6}, {0.05, 0.04}, "a"};
  d.nu_std = device::PiecewiseLinear::Constant(0.01, "b");
  d.read_std = {{1e-6, 5e-6, 10e-6}, {0.16e-6, 0.28e-6, 0.43e-6}, "c"};
  d.set_mean = {{0.1e-6, 10e-6}, {0.88e-6, 0.05e-6}, "d"};
  d.set_std = {{0.1e-6, 10e-6}, {0.58e-6, 1.47e-6}, "e"};
  d.set_gain_dtod = 0.1;
  d.reset_mean = device::PiecewiseLinear::Constant(0.1e-6, "f");
  d.reset_std = device::PiecewiseLinear::Constant(0.01e-6, "g");
  return d;
}

void ExpectSameTable(const device::PiecewiseLinear& a, const device::PiecewiseLinear& b) {
  EXPECT_EQ(a.x, b.x);
  EXPECT_EQ(a.y, b.y);
  EXPECT_EQ(a.source, b.source);
}

TEST(TableDeviceFileTest, WrittenFileLoadsBackExactly) {
  const device::TableDevice d = Example();
  io::ConfigReader r = io::ConfigReader::FromString(TableDeviceToml(d, "header line"), "t.toml");
  const device::DeviceChoice c = LoadDevice(r, "");
  r.CheckAllConsumed();
  const auto* t = c.As<device::TableDevice>();
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->name, "example");
  EXPECT_EQ(t->g_clip_max, d.g_clip_max);
  EXPECT_EQ(t->t0, d.t0);
  EXPECT_EQ(t->set_gain_dtod, d.set_gain_dtod);
  ExpectSameTable(t->program_std, d.program_std);
  ExpectSameTable(t->read_std, d.read_std);
  ExpectSameTable(t->nu_mean, d.nu_mean);
  ExpectSameTable(t->set_std, d.set_std);
  ExpectSameTable(t->reset_mean, d.reset_mean);
}

TEST(TableDeviceFileTest, RegistryPicksTheFamily) {
  io::ConfigReader pcm = io::ConfigReader::FromString("model = \"projected\"\n[projection]\nratio = 2.0\n", "p.toml");
  EXPECT_NE(LoadDevice(pcm, "").As<device::PcmParams>(), nullptr);
  io::ConfigReader bad = io::ConfigReader::FromString("model = \"memristor\"\n", "m.toml");
  PCMSIM_EXPECT_THROW_MSG(LoadDevice(bad, ""), ConfigError, "m.toml", "model", "memristor", "table");
}

TEST(TableDeviceFileTest, BadTablesNameFileKeyAndReason) {
  std::string text = TableDeviceToml(Example(), "");
  const std::string good = text;
  text.replace(text.find("[set.std]"), 9, "[set.sd]");
  io::ConfigReader missing = io::ConfigReader::FromString(text, "dev.toml");
  PCMSIM_EXPECT_THROW_MSG(LoadTableDevice(missing), ConfigError, "dev.toml", "set.std", "required");
  text = good;
  const size_t at = text.find("value_uS", text.find("[read.std]"));
  text.replace(at, text.find('\n', at) - at, "value_uS = [0.1, 0.2]");
  io::ConfigReader lengths = io::ConfigReader::FromString(text, "dev.toml");
  PCMSIM_EXPECT_THROW_MSG(LoadTableDevice(lengths), ConfigError, "dev.toml", "read.std", "3 knots but 2 values");
  // Before: max_iterations was cast to int unchecked, 4294967297 loaded as 1 and 2147483647
  // (with tolerance 0: program-and-verify that never ends) was accepted.
  for (const char* iters : {"4294967297", "2147483647", "0", "-4294967295"}) {
    text = good;
    const size_t it = text.find("max_iterations = ");
    text.replace(it, text.find('\n', it) - it, std::string("max_iterations = ") + iters);
    io::ConfigReader r = io::ConfigReader::FromString(text, "dev.toml");
    PCMSIM_EXPECT_THROW_MSG(LoadTableDevice(r), ConfigError, "dev.toml", "program_verify.max_iterations",
                            "[1, 100000]");
  }
  // Before: absurd but finite tables validated (a read.std of 1e300 uS gave an MNIST run at one
  // class, 9.8 %). Conductances are bounded by 1 S, drift exponents by 1.
  auto replace_line = [&](const std::string& section, const std::string& key, const std::string& line) {
    std::string t = good;
    const size_t pos = t.find(key + " = ", t.find("[" + section + "]"));
    t.replace(pos, t.find('\n', pos) - pos, line);
    return io::ConfigReader::FromString(t, "dev.toml");
  };
  io::ConfigReader noisy = replace_line("read.std", "value_uS", "value_uS = [0.1, 1e300, 0.3]");
  PCMSIM_EXPECT_THROW_MSG(LoadTableDevice(noisy), ConfigError, "dev.toml", "read.std.value_uS", "entry 2",
                          "beyond +-1e+06 uS");
  io::ConfigReader drifty = replace_line("drift.nu_mean", "value", "value = [0.05, -7]");
  PCMSIM_EXPECT_THROW_MSG(LoadTableDevice(drifty), ConfigError, "dev.toml", "drift.nu_mean.value", "entry 2",
                          "drift exponent");
  io::ConfigReader knots = replace_line("set.mean", "g_uS", "g_uS = [0, 2e6]");
  PCMSIM_EXPECT_THROW_MSG(LoadTableDevice(knots), ConfigError, "dev.toml", "set.mean.g_uS", "entry 2",
                          "outside [0, 1e6] uS");
}

TEST(TraceCsvTest, RoundTripAndBadLinesNamed) {
  const auto dir = testing::TempDir();
  device::TraceOptions o;
  o.devices = 3;
  o.set_pulses = 2;
  const std::vector<device::TraceRow> rows = device::GenerateTraces(device::ConventionalParams(), o);
  WriteTraceCsv(dir / "t.csv", rows, "synthetic");
  const std::vector<device::TraceRow> back = ReadTraceCsv(dir / "t.csv");
  ASSERT_EQ(back.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(back[i].device, rows[i].device);
    EXPECT_EQ(back[i].kind, rows[i].kind);
    EXPECT_EQ(back[i].polarity, rows[i].polarity);
    EXPECT_NEAR(back[i].g, rows[i].g, 1e-8 * rows[i].g + 1e-18);  // 9 significant digits
  }
  auto write = [&](const std::string& body) {
    std::ofstream(dir / "bad.csv") << body;
    return dir / "bad.csv";
  };
  const std::string header = "device,kind,polarity,pulse,time_s,g_uS,target_uS\n";
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write("device,kind,pulse,time_s,g_uS,target_uS\n")), ConfigError,
                          "bad.csv:1", "missing column 'polarity'");
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "0,read,,0,1,abc,\n")), ConfigError, "bad.csv:2", "g_uS",
                          "not a finite number");
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "0,read,,0,1,2,\n0,read,,0,-5,2,\n")), ConfigError,
                          "bad.csv:3", "negative");
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "0,program,,0,0,2,\n")), ConfigError, "bad.csv:2",
                          "needs target_uS");
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "0,pulse,up,1,0,2,\n")), ConfigError, "bad.csv:2",
                          "polarity 'up'");
  // Found by fuzz_traces (UBSan: a pulse number of 1e82 converted to int): whole numbers
  // out of range are refused, as are fractional device ids.
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "0,pulse,set,1111111111111111111111111111111111111111111111111111111111111111111111111111111111,0,2,\n")),
                          ConfigError, "bad.csv:2", "pulse", "not a whole number");
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "1e82,read,,0,1,2,\n")), ConfigError, "bad.csv:2", "device",
                          "not a whole number");
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "1.5,read,,0,1,2,\n")), ConfigError, "bad.csv:2", "device",
                          "not a whole number");
  // Found by fuzz_traces (ASan: read past the end of a row): a header naming a column twice
  // made the row-length check compare against fewer names than the header has fields.
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write("device,kind,polarity,pulse,time_s,g_uS,target_uS,kind\n"
                                             "0,read,,0,1,2,\n")),
                          ConfigError, "bad.csv:1", "column 'kind' appears twice");
  // A spreadsheet export: byte-order mark, quoted fields (one with a comma and a quote
  // inside), CRLF. Before: "bad.csv:1: missing column 'device'" for the mark and the quotes.
  const std::vector<device::TraceRow> sheet = ReadTraceCsv(write(
      "\xEF\xBB\xBF\"device\",\"kind\",\"polarity\",\"pulse\",\"time_s\",\"g_uS\",\"target_uS\",\"note\"\r\n"
      "\"3\",\"program\",\"\",\"0\",\"0\",\"2.5\",\"3\",\"a, \"\"b\"\"\"\r\n"
      "3,pulse,set,2,0,4.25,,\r\n"));
  ASSERT_EQ(sheet.size(), 2u);
  EXPECT_EQ(sheet[0].device, 3);
  EXPECT_EQ(sheet[0].kind, device::TraceKind::kProgram);
  EXPECT_DOUBLE_EQ(sheet[0].g, 2.5e-6);
  EXPECT_DOUBLE_EQ(sheet[0].target, 3e-6);
  EXPECT_EQ(sheet[1].polarity, device::Polarity::kSet);
  EXPECT_EQ(sheet[1].pulse, 2);
  EXPECT_DOUBLE_EQ(sheet[1].g, 4.25e-6);
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "0,read,\"oops,0,1,2,\n")), ConfigError, "bad.csv:2",
                          "quoted field is not closed");
  // Before: a reading of 1e308 uS passed and the fit failed with "read.std: entry 9 is not a
  // finite number" (no file, no line).
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "0,read,,0,1,1e308,\n")), ConfigError, "bad.csv:2", "g_uS",
                          "1e308", "beyond");
  PCMSIM_EXPECT_THROW_MSG(ReadTraceCsv(write(header + "0,program,,0,0,2,-2e6\n")), ConfigError, "bad.csv:2",
                          "target_uS", "beyond");
}

}  // namespace
}  // namespace pcmsim::experiment
