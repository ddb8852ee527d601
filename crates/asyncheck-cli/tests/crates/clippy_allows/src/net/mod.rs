#![allow(clippy::question_mark)]

mod conn;
