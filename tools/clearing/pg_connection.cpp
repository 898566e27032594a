#include "pg_connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <cstring>

namespace matchgate::clearing_load {

namespace {

std::string server_message(PGconn* conn) {
  std::string m = PQerrorMessage(conn);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

// Takes ownership of `r`; throws unless it reports success.
PgRows checked(PGconn* conn, PGresult* r, const std::string& what) {
  PgRows rows(r);
  const ExecStatusType s = r == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(r);
  if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
    const char* detail = r != nullptr ? PQresultErrorMessage(r) : "";
    std::string m = detail != nullptr && *detail != '\0' ? detail : server_message(conn);
    while (!m.empty() && m.back() == '\n') m.pop_back();
    throw PgError(what + ": " + m);
  }
  return rows;
}

std::string first_words(const std::string& sql) {
  return sql.size() <= 60 ? sql : sql.substr(0, 60) + "...";
}

}  // namespace

PgRows::~PgRows() {
  if (result_ != nullptr) PQclear(result_);
}

int PgRows::rows() const noexcept {
  return PQntuples(result_);
}
int PgRows::columns() const noexcept {
  return PQnfields(result_);
}

std::optional<std::string> PgRows::get(int row, int column) const {
  if (PQgetisnull(result_, row, column)) return std::nullopt;
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::string PgRows::text(int row, int column) const {
  std::optional<std::string> v = get(row, column);
  if (!v) throw PgError("unexpected NULL in column " + column_name(column));
  return std::move(*v);
}

std::string PgRows::column_name(int column) const {
  return PQfname(result_, column);
}

std::uint64_t PgRows::affected_rows() const noexcept {
  const char* count = PQcmdTuples(result_);
  std::uint64_t n = 0;  // stays 0 for "" (statements that change no rows)
  std::from_chars(count, count + std::strlen(count), n);
  return n;
}

PgConnection::PgConnection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
  if (conn_ == nullptr) throw PgError("cannot connect to PostgreSQL: out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    const std::string m = server_message(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("cannot connect to PostgreSQL: " + m);
  }
  // Notices (e.g. "relation already exists, skipping") are not the
  // operator's business.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
}

PgConnection::~PgConnection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

void PgConnection::exec(const std::string& sql) {
  checked(conn_, PQexec(conn_, sql.c_str()), first_words(sql));
}

PgRows PgConnection::query(const std::string& sql,
                           const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  return checked(conn_, r, first_words(sql));
}

void PgConnection::copy_in(const std::string& copy_statement,
                           std::initializer_list<std::string_view> data) {
  PGresult* start = PQexec(conn_, copy_statement.c_str());
  if (start == nullptr || PQresultStatus(start) != PGRES_COPY_IN) {
    checked(conn_, start, first_words(copy_statement));
    throw PgError(first_words(copy_statement) + ": the server did not start a COPY");
  }
  PQclear(start);
  for (const std::string_view piece : data) {
    if (!piece.empty() && PQputCopyData(conn_, piece.data(), static_cast<int>(piece.size())) != 1) {
      throw PgError("COPY: " + server_message(conn_));
    }
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) throw PgError("COPY: " + server_message(conn_));
  // The COPY's own result, then the end of the command.
  for (PGresult* r = PQgetResult(conn_); r != nullptr; r = PQgetResult(conn_)) {
    checked(conn_, r, "COPY");
  }
}

}  // namespace matchgate::clearing_load
