"""The Sales Importer: operations upload a CSV file of sales captured by a partner or a TPV vendor.

Every row is checked first by the enrollment service (`wizard.enrollments.service.check`: the
wizard's own rules, nothing written) and its problems listed by line and field; then staff import
the file all-or-nothing or its valid rows only, each row through `service.enroll` on the IMPORT
channel with a submission key made of the partner and the vendor's sale id, so the same file
uploaded again creates nothing new. Checking and importing run in a thread of the web process and
write their progress to the `SalesImport` row, which the admin's progress page reads.

Modules: models (the import record), columns (the file's columns and its reading: header, encoding,
size), rows (one row: the sale's own columns checked, the enrollment fields, its submission key),
runner (the check and the import, progress and audit), views (the admin pages) and sample_files
(a generator of test files on the demo catalog).
"""
