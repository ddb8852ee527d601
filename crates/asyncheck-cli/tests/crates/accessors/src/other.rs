use crate::Server;

// The accessor is declared in another file.

pub fn elsewhere(server: &Server) {
    let first = server.state();
    let second = server.state(); //~ double-lock
    drop((first, second));
}
