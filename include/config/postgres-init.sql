-- Run once by the postgres image, on its first start with an empty data volume, as
-- POSTGRES_USER (docker-compose.yml): the warehouse is a database of its own beside Airflow's
-- metadata database, so the two can be backed up, restored and dropped separately.
create database warehouse;
