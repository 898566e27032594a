#pragma once
// A thin RAII layer over libpq for matchgate-clearing load: one connection,
// statements that either succeed or throw PgError with the server's
// message, and COPY FROM STDIN for batches of rows.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct pg_conn;
struct pg_result;

namespace matchgate::clearing_load {

struct PgError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A statement's rows, values as text (NULL: nullopt).
class PgRows {
 public:
  explicit PgRows(pg_result* result) noexcept : result_(result) {}
  PgRows(PgRows&& other) noexcept : result_(other.result_) { other.result_ = nullptr; }
  PgRows& operator=(PgRows&&) = delete;
  PgRows(const PgRows&) = delete;
  ~PgRows();

  int rows() const noexcept;
  int columns() const noexcept;
  std::optional<std::string> get(int row, int column) const;
  // The value, which must not be NULL.
  std::string text(int row, int column) const;
  std::string column_name(int column) const;
  // Rows an INSERT, UPDATE or DELETE changed (0 for other statements).
  std::uint64_t affected_rows() const noexcept;

 private:
  pg_result* result_;
};

class PgConnection {
 public:
  // Connects with a libpq connection string ("host=... dbname=..." or a
  // postgresql:// URI); throws PgError saying why not.
  explicit PgConnection(const std::string& conninfo);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // One or more statements without parameters.
  void exec(const std::string& sql);
  // One statement with text parameters ($1, $2 ...; nullopt is NULL).
  PgRows query(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});
  // COPY ... FROM STDIN with `data` in the format the statement names,
  // sent in the order given (e.g. a binary header, the rows, a trailer).
  void copy_in(const std::string& copy_statement, std::initializer_list<std::string_view> data);

 private:
  pg_conn* conn_ = nullptr;
};

}  // namespace matchgate::clearing_load
