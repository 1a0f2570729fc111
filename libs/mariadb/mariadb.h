// A thin client over MariaDB Connector/C (libmariadb), for reading MariaDB
// and MySQL databases: one connection, text-protocol queries, server and
// client errors mapped to absl::Status.
//
// Error mapping (every message names the server, never the password):
//   UNAVAILABLE        the server cannot be reached or the connection was
//                      lost (client errors 2002, 2003, 2005, 2006, 2013,
//                      server shutting down, too many connections);
//   UNAUTHENTICATED    bad user name or password (1045, 1698);
//   PERMISSION_DENIED  the user may not use the database or table;
//   NOT_FOUND          unknown database (1049) or table (1146);
//   INTERNAL           anything else (a bad query).
#ifndef BRIDGEWORK_LIBS_MARIADB_MARIADB_H_
#define BRIDGEWORK_LIBS_MARIADB_MARIADB_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace bridgework::mariadb {

struct ConnectOptions {
  std::string host = "127.0.0.1";  // ignored when unix_socket is set
  int port = 3306;
  std::string unix_socket;  // path; when set, used instead of TCP
  std::string user;
  std::string password;
  std::string database;  // empty: none selected
  // Limit on connecting, and on each read and write of a query.
  int timeout_seconds = 10;
  // Lets Execute() run several statements separated by ';'.
  bool multi_statements = false;
};

// "host:port" or "socket <path>": how messages name the server.
std::string ServerName(const ConnectOptions& options);

// One text-protocol row; nullopt is SQL NULL.
using Row = std::vector<std::optional<std::string>>;

// One open connection. The character set is utf8mb4 and the session time
// zone UTC ('+00:00'), so TIMESTAMP columns read as UTC.
// Thread safety: not thread-safe; one thread at a time. Connections may be
// created from any thread.
class Connection {
 public:
  // Errors as mapped in the file comment.
  static absl::StatusOr<std::unique_ptr<Connection>> Connect(
      const ConnectOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement and returns every row of its result (a statement
  // without result gives no rows). The whole result is held in memory:
  // bound it with LIMIT.
  absl::StatusOr<std::vector<Row>> Query(std::string_view sql);

  // Runs one statement, or several separated by ';' when the connection was
  // made with multi_statements, discarding any results. Stops at the first
  // failing statement.
  absl::Status Execute(std::string_view sql);

  // `text` as a quoted SQL string literal, escaped for this connection.
  std::string Quote(std::string_view text);

  const ConnectOptions& options() const { return options_; }

 private:
  struct Handle;
  Connection(ConnectOptions options, std::unique_ptr<Handle> handle);
  absl::Status LastError(std::string_view doing);

  ConnectOptions options_;
  std::unique_ptr<Handle> handle_;
};

// `name` as a backtick-quoted SQL identifier.
std::string QuoteIdentifier(std::string_view name);

// The status for a MariaDB error number and message (see the mapping
// above); `server` names the server in the message.
absl::Status ErrorStatus(unsigned int error, std::string_view message,
                         std::string_view server);

}  // namespace bridgework::mariadb

#endif  // BRIDGEWORK_LIBS_MARIADB_MARIADB_H_
