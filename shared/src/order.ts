/**
 * Orders strings by UTF-16 code unit, as `<` does: no locale collation. For lowercase hex ids this
 * is also Postgres' uuid order (hex digits compare as the bytes they spell), so rows sorted with it
 * are locked in the order the database's own `ORDER BY` would take.
 */
export const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
