// Registration functions of the pcmsim subcommands, one per cmd_<name>.cpp, plus the
// small helpers they share (error exit, progress printing).
#pragma once

#include <CLI/CLI.hpp>

#include "pcmsim/experiment/energy_tables.hpp"

namespace pcmsim::cli {

// --tables, --digital, --analog, --digital-set, --analog-set (energy and compare).
void AddTableOptions(CLI::App& cmd, experiment::TableChoice& choice);

void RegisterRun(CLI::App& app);
void RegisterReport(CLI::App& app);
void RegisterDevice(CLI::App& app);
void RegisterQuantize(CLI::App& app);
void RegisterCompare(CLI::App& app);
void RegisterEnergy(CLI::App& app);
void RegisterSweep(CLI::App& app);
void RegisterFitDevice(CLI::App& app);
void RegisterServe(CLI::App& app);

}  // namespace pcmsim::cli
