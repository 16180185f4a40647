"""Start-up mentors (千名创业导师): the programme's third pillar besides orders and service packages.

- `registry`: staff register mentors (profile, industries, regions, availability) and give logins;
- `importing`: mentors from CSV/XLSX through qianfan.importing (the `mentors` kind of ingest.columns);
- `matching`: mentors matched to small firms by the same matcher as a third kind, kept and explained;
- `sessions`: a firm requests a session, the mentor accepts or declines, then records it held;
- `demo`: 1,000 composed mentors for the demo (marked composed).

The counters are qianfan.stats's (`mentor_counters`); the pages are webapp.mentors.
"""
