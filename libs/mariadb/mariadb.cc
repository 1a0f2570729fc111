#include "libs/mariadb/mariadb.h"

#include <mysql.h>

#include <mutex>

#include "absl/strings/str_cat.h"
#include "libs/common/strings.h"

namespace bridgework::mariadb {
namespace {

// mysql_library_init is not thread-safe; mysql_init calls it implicitly
// when it has not run, so run it once first.
void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

}  // namespace

struct Connection::Handle {
  MYSQL* mysql = nullptr;
  ~Handle() {
    if (mysql != nullptr) mysql_close(mysql);
  }
};

std::string ServerName(const ConnectOptions& options) {
  if (!options.unix_socket.empty()) {
    return absl::StrCat("socket ", options.unix_socket);
  }
  return absl::StrCat(options.host, ":", options.port);
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out.push_back('`');
    out.push_back(c);
  }
  out.push_back('`');
  return out;
}

absl::Status ErrorStatus(unsigned int error, std::string_view message,
                         std::string_view server) {
  std::string text = absl::StrCat("MariaDB at ", ToAbsl(server), ": ",
                                  ToAbsl(message), " (error ", error, ")");
  switch (error) {
    case 1040:  // ER_CON_COUNT_ERROR: too many connections
    case 1053:  // ER_SERVER_SHUTDOWN
    case 1927:  // ER_CONNECTION_KILLED
    case 2002:  // CR_CONNECTION_ERROR (socket)
    case 2003:  // CR_CONN_HOST_ERROR
    case 2005:  // CR_UNKNOWN_HOST
    case 2006:  // CR_SERVER_GONE_ERROR
    case 2013:  // CR_SERVER_LOST
    case 2055:  // CR_SERVER_LOST_EXTENDED
      return absl::UnavailableError(text);
    case 1045:  // ER_ACCESS_DENIED_ERROR
    case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    case 1862:  // ER_MUST_CHANGE_PASSWORD_LOGIN
      return absl::UnauthenticatedError(text);
    case 1044:  // ER_DBACCESS_DENIED_ERROR
    case 1142:  // ER_TABLEACCESS_DENIED_ERROR
    case 1143:  // ER_COLUMNACCESS_DENIED_ERROR
      return absl::PermissionDeniedError(text);
    case 1049:  // ER_BAD_DB_ERROR
    case 1146:  // ER_NO_SUCH_TABLE
      return absl::NotFoundError(text);
    default:
      return absl::InternalError(text);
  }
}

Connection::Connection(ConnectOptions options, std::unique_ptr<Handle> handle)
    : options_(std::move(options)), handle_(std::move(handle)) {}

Connection::~Connection() = default;

absl::StatusOr<std::unique_ptr<Connection>> Connection::Connect(
    const ConnectOptions& options) {
  InitLibrary();
  auto handle = std::make_unique<Handle>();
  handle->mysql = mysql_init(nullptr);
  if (handle->mysql == nullptr) {
    return absl::ResourceExhaustedError("MariaDB client: out of memory");
  }
  MYSQL* m = handle->mysql;
  const unsigned int timeout =
      options.timeout_seconds > 0 ? options.timeout_seconds : 10;
  mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const bool tcp = options.unix_socket.empty();
  if (tcp) {
    const unsigned int protocol = MYSQL_PROTOCOL_TCP;
    mysql_options(m, MYSQL_OPT_PROTOCOL, &protocol);
  }
  unsigned long flags = options.multi_statements ? CLIENT_MULTI_STATEMENTS : 0;
  if (mysql_real_connect(
          m, tcp ? options.host.c_str() : "localhost", options.user.c_str(),
          options.password.c_str(),
          options.database.empty() ? nullptr : options.database.c_str(),
          tcp ? static_cast<unsigned int>(options.port) : 0,
          tcp ? nullptr : options.unix_socket.c_str(), flags) == nullptr) {
    return ErrorStatus(mysql_errno(m), mysql_error(m), ServerName(options));
  }
  auto connection =
      std::unique_ptr<Connection>(new Connection(options, std::move(handle)));
  if (absl::Status s = connection->Execute("SET time_zone = '+00:00'");
      !s.ok()) {
    return s;
  }
  return connection;
}

absl::Status Connection::LastError(std::string_view doing) {
  MYSQL* m = handle_->mysql;
  absl::Status s =
      ErrorStatus(mysql_errno(m), mysql_error(m), ServerName(options_));
  return absl::Status(s.code(), absl::StrCat(s.message(), " ", ToAbsl(doing)));
}

absl::StatusOr<std::vector<Row>> Connection::Query(std::string_view sql) {
  MYSQL* m = handle_->mysql;
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    return LastError("running a query");
  }
  std::vector<Row> rows;
  MYSQL_RES* result = mysql_store_result(m);
  if (result == nullptr) {
    if (mysql_field_count(m) != 0) return LastError("reading a result");
    return rows;
  }
  const unsigned int columns = mysql_num_fields(result);
  while (MYSQL_ROW row = mysql_fetch_row(result)) {
    unsigned long* lengths = mysql_fetch_lengths(result);
    Row& out = rows.emplace_back();
    out.reserve(columns);
    for (unsigned int i = 0; i < columns; ++i) {
      if (row[i] == nullptr) {
        out.emplace_back(std::nullopt);
      } else {
        out.emplace_back(std::string(row[i], lengths[i]));
      }
    }
  }
  const bool failed = mysql_errno(m) != 0;
  mysql_free_result(result);
  if (failed) return LastError("reading a result");
  return rows;
}

absl::Status Connection::Execute(std::string_view sql) {
  MYSQL* m = handle_->mysql;
  if (mysql_real_query(m, sql.data(), sql.size()) != 0) {
    return LastError("running a statement");
  }
  while (true) {
    if (MYSQL_RES* result = mysql_store_result(m)) mysql_free_result(result);
    if (mysql_errno(m) != 0) return LastError("running a statement");
    int next = mysql_next_result(m);
    if (next == -1) return absl::OkStatus();
    if (next > 0) return LastError("running a statement");
  }
}

std::string Connection::Quote(std::string_view text) {
  std::string out(text.size() * 2 + 1, '\0');
  unsigned long n = mysql_real_escape_string(handle_->mysql, out.data(),
                                             text.data(), text.size());
  out.resize(n);
  return absl::StrCat("'", out, "'");
}

}  // namespace bridgework::mariadb
