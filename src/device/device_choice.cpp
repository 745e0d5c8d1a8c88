// The default device choice: the built-in conventional PCM preset.
#include "pcmsim/device/device_choice.hpp"

#include "pcmsim/device/pcm_params.hpp"

namespace pcmsim::device {

DeviceChoice::DeviceChoice() : model_(std::make_shared<const PcmParams>(ConventionalParams())) {}

}  // namespace pcmsim::device
