// device::DeviceChoice: which cell model an analog layer is built from, as a value that
// options structs can hold and copy. It owns any DeviceModel (a PCM preset, a fitted table
// device, ...) behind a shared immutable pointer, so the layers above (crossbar, nn) never
// name a device family: a new family plugs in without touching them.
#pragma once

#include <concepts>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "pcmsim/device/cell_array.hpp"

namespace pcmsim::device {

class DeviceChoice {
 public:
  DeviceChoice();  // the built-in conventional PCM preset (ConventionalParams())
  // Any concrete model by value, e.g. `options.device = device::IdealParams();`.
  template <typename M>
    requires std::derived_from<std::decay_t<M>, DeviceModel> && (!std::same_as<std::decay_t<M>, DeviceChoice>)
  DeviceChoice(M&& model) : model_(std::make_shared<const std::decay_t<M>>(std::forward<M>(model))) {}

  const DeviceModel& operator*() const { return *model_; }
  const DeviceModel* operator->() const { return model_.get(); }
  // The concrete model if it is an M (nullptr otherwise), for callers that know the family.
  template <typename M>
  const M* As() const {
    return dynamic_cast<const M*>(model_.get());
  }
  void Validate() const { model_->Validate(); }

 private:
  std::shared_ptr<const DeviceModel> model_;
};

}  // namespace pcmsim::device
