"""Enrollment from any channel: the web wizard, agents' Quick Enrollment, the partner API and the
Sales Importer all check their answers and store the enrollment here (`service`), then hand it
to the billing-submit module (`billing`)."""
