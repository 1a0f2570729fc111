#include "services/extractor/source_connector.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace bridgework::extractor {

absl::Status CheckZoneAndCurrency(const std::string& connector,
                                  const std::string& time_zone,
                                  const std::string& currency) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(time_zone, &zone)) {
    return absl::InvalidArgumentError(
        absl::StrCat(connector, ".time_zone: unknown time zone '", time_zone,
                     "' (want an IANA name such as America/Chicago or "
                     "Europe/Istanbul)"));
  }
  if (currency.size() != 3 ||
      !std::all_of(currency.begin(), currency.end(),
                   [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return absl::InvalidArgumentError(
        absl::StrCat(connector,
                     ".currency: want a three-letter ISO 4217 code such as "
                     "USD or TRY"));
  }
  return absl::OkStatus();
}

absl::Status UnknownObjectError(const std::string& source,
                                const std::string& object,
                                std::vector<std::string> known) {
  std::sort(known.begin(), known.end());
  return absl::NotFoundError(
      absl::StrCat(source, " has no object '", object,
                   "' (known: ", absl::StrJoin(known, ", "), ")"));
}

std::string ConnectorName(const v1::SourceConfig& config) {
  switch (config.connector_case()) {
    case v1::SourceConfig::kPbnCsv:
      return "pbn_csv";
    case v1::SourceConfig::kLayoutCsv:
      return "layout_csv";
    case v1::SourceConfig::kOpendentalDb:
      return "opendental_db";
    case v1::SourceConfig::kDrdentesApi:
      return "drdentes_api";
    case v1::SourceConfig::CONNECTOR_NOT_SET:
      return "";
  }
  return "";
}

absl::Status SourceRegistry::Register(const std::string& name,
                                      SourceFactory factory) {
  if (name.empty() || !factory) {
    return absl::InvalidArgumentError("a source needs a name and a factory");
  }
  if (!factories_.emplace(name, std::move(factory)).second) {
    return absl::AlreadyExistsError(
        absl::StrCat("source connector '", name, "' is already registered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<SourceConnector>> SourceRegistry::Create(
    const v1::SourceConfig& config) const {
  std::string name = ConnectorName(config);
  if (name.empty()) {
    return absl::InvalidArgumentError(
        "the source config selects no connector (set e.g. pbn_csv)");
  }
  return Create(name, config);
}

absl::StatusOr<std::unique_ptr<SourceConnector>> SourceRegistry::Create(
    const std::string& name, const v1::SourceConfig& config) const {
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    return absl::UnimplementedError(
        absl::StrCat("this extractor has no source connector '", name,
                     "' (it has: ", absl::StrJoin(Names(), ", "), ")"));
  }
  return it->second(config);
}

std::vector<std::string> SourceRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

SourceFactory SharedSourceFactory(std::shared_ptr<SourceConnector> source) {
  return [source](const v1::SourceConfig&)
             -> absl::StatusOr<std::unique_ptr<SourceConnector>> {
    return std::make_unique<SourceConnectorWrapper>(source);
  };
}

}  // namespace bridgework::extractor
