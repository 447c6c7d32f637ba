create table users (
  id int primary key,
  ssn varchar(83) character set ascii null,      -- encryptedColumnLength(11, { keyIdLength: 8 })
  email varchar(400) character set ascii null,
  email_index int unsigned null, index (email_index)
);
create table pets (
  id int primary key,
  owner_id int not null,
  name varchar(50) not null,
  chip varchar(100) character set ascii null
);
