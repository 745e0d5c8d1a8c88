// The raw event counts of a run in its result file (/energy/counts), so that the run can be
// priced again with other energy tables (`pcmsim compare --tables chip`) without rerunning.
#pragma once

#include "pcmsim/energy/event_counts.hpp"
#include "pcmsim/io/h5.hpp"

namespace pcmsim::experiment {

// /energy/counts/rows ("layer/phase" strings), /energy/counts/columns (count names: the plain
// fields of PhaseCounts, then "macs:<operand/accumulator>", "bytes:<level>", "dac:<bits>",
// "adc:<bits>") and /energy/counts/values (rows x columns, float64). Creates the groups it needs.
void WriteEventCounts(io::H5Writer& out, const energy::EventCounts& counts);

// Reads what WriteEventCounts wrote. IoError naming the file if /energy/counts is missing
// (a result made before counts were recorded) or a row or column name is not understood.
energy::EventCounts ReadEventCounts(const io::H5Reader& in);
bool HasEventCounts(const io::H5Reader& in);

}  // namespace pcmsim::experiment
