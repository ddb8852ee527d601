mod state;

use state::Server;
use tokio::net::TcpStream;

impl Server {
    // The fields' types are declared in state.rs.
    pub async fn serve(&self, stream: TcpStream) -> std::io::Result<()> {
        let _tls = self.acceptor.accept(stream).await?; //~ missing-timeout
        let _n = self.results.recv(); //~ blocking-in-async
        Ok(())
    }
}
