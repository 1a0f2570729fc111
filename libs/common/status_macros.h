// Status helpers missing from abseil 20220623 (no status_macros.h there).
#ifndef BRIDGEWORK_LIBS_COMMON_STATUS_MACROS_H_
#define BRIDGEWORK_LIBS_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BW_STATUS_CONCAT_INNER_(a, b) a##b
#define BW_STATUS_CONCAT_(a, b) BW_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define BW_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status bw_status_ = (expr);      \
    if (!bw_status_.ok()) return bw_status_; \
  } while (0)

// `lhs = *expr` when OK, else returns the status.
#define BW_ASSIGN_OR_RETURN(lhs, expr)                                      \
  BW_ASSIGN_OR_RETURN_IMPL_(BW_STATUS_CONCAT_(bw_statusor_, __LINE__), lhs, \
                            expr)
#define BW_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(*tmp)

#endif  // BRIDGEWORK_LIBS_COMMON_STATUS_MACROS_H_
