async fn été() { let λ = "✓🦀"; tokio::join!(λ, fé()); }
// ​ 
