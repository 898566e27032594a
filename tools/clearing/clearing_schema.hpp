#pragma once
// The PostgreSQL schema matchgate-clearing load writes (docs/CLEARING.md,
// "PostgreSQL store"): created when absent, refused when another version.
#include <cstdint>
#include <string>

#include "matchgate/clearing/clearing_options.hpp"
#include "pg_connection.hpp"

namespace matchgate::clearing_load {

// Bumped with every change of a table or view; a database holding another
// version is refused rather than migrated silently. 2: lean trade_records
// (bigint 1e-8 units, codes, no names) under a `trades` view;
// load_progress.chain_offset.
inline constexpr int kSchemaVersion = 2;

// Creates the schema in the connection's search_path if absent (in one
// transaction); throws PgError when the database holds another version.
void ensure_schema(PgConnection& db);

// Replaces the reference tables' rows of the members, accounts and
// instruments the options name (by number; rows of other numbers stay).
void store_reference_data(PgConnection& db, const clearing::ClearingOptions& names);

// The whole schema as SQL (tables, then views), for ensure_schema and docs.
const std::string& schema_sql();

}  // namespace matchgate::clearing_load
