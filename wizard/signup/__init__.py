"""The customer's signup wizard (the web channel): steps declared as data, a pure journey, one
form per step, server-side drafts, the review page, the submission of a finished draft as an
enrollment, the wait list for unserved ZIPs, the funnel events the report counts and the
attribution (sub_id, utm_*) an affiliate's link carries."""
