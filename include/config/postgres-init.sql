create database warehouse;
