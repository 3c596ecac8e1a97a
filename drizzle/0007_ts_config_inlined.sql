-- parley_ts_config of 0001, with each configuration written as a regconfig constant. 0001 cast
-- the CASE's text to regconfig at run time, and that cast depends on search_path (it is STABLE),
-- so PostgreSQL would not inline an IMMUTABLE function holding it: every call ran as a function
-- call of its own, with an executor started for one CASE. Retrieval calls it once per content
-- language for every question, and for every paragraph of every matching article; inlined, a call
-- costs about a third as much.
--
-- A constant naming a configuration the server lacks would fail every query using the function
-- (older servers lack some: Armenian, Basque, Catalan, Hindi and Serbian came with PostgreSQL 14),
-- so the function is written with the ones this server has; the others fall back to
-- parley_unaccent, where 0001 failed the query at run time.
DO $$
DECLARE
  wanted CONSTANT text[][] := ARRAY[
    ['en', 'english'], ['nl', 'dutch'], ['sv', 'swedish'], ['de', 'german'], ['fr', 'french'],
    ['es', 'spanish'], ['pt', 'portuguese'], ['it', 'italian'], ['da', 'danish'], ['no', 'norwegian'],
    ['nb', 'norwegian'], ['nn', 'norwegian'], ['fi', 'finnish'], ['hu', 'hungarian'],
    ['ro', 'romanian'], ['ru', 'russian'], ['tr', 'turkish'], ['ga', 'irish'], ['el', 'greek'],
    ['id', 'indonesian'], ['lt', 'lithuanian'], ['ca', 'catalan'], ['eu', 'basque'],
    ['hy', 'armenian'], ['ar', 'arabic'], ['sr', 'serbian'], ['ta', 'tamil'], ['ne', 'nepali'],
    ['hi', 'hindi']];
  branches text := '';
BEGIN
  FOR i IN 1 .. array_length(wanted, 1) LOOP
    IF EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = wanted[i][2]) THEN
      branches := branches || format(' WHEN %L THEN %L::regconfig', wanted[i][1], wanted[i][2]);
    END IF;
  END LOOP;
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION parley_ts_config(lang text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS %L$f$,
    format('SELECT CASE lower(split_part(coalesce(lang, %L), %L, 1))%s ELSE %L::regconfig END',
           '', '-', branches, 'parley_unaccent'));
END $$;
