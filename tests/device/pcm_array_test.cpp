#include <gtest/gtest.h>
#include "pcmsim/device/pcm_array.hpp"
using namespace pcmsim;
TEST(Smoke, Builds) { device::PcmArray a(device::ConventionalParams(), 10, 1); EXPECT_EQ(a.size(), 10); }
