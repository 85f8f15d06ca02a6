"""Texas premises from ERCOT's TDSP ESI ID extract: the table, the extract's columns, the import
(FULL per TDSP, daily upserts) and the address lookup that finds a customer's ESI ID and utility."""
