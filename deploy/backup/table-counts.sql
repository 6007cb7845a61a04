-- Exact row count of every table of the current database, one "schema.table<TAB>count"
-- line each, in name order. backup.sh runs it inside the snapshot it dumps;
-- restore-drill.sh runs it on the restored database and compares. (psql: \gexec runs
-- one count(*) per table; no server extension or XML support needed.)
SELECT format('SELECT %L AS table_name, count(*) AS row_count FROM %I.%I',
              format('%I.%I', n.nspname, c.relname), n.nspname, c.relname)
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\_toast%'
   AND n.nspname NOT LIKE 'pg\_temp\_%'
 ORDER BY n.nspname, c.relname
\gexec
