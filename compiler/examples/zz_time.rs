fn main() {
    let path = std::env::args().nth(1).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let t = std::time::Instant::now();
    let r = netpolc::pipeline::compile(&[netpolc::pipeline::ProgramFile { name: path, bytes }], &Default::default());
    let el = t.elapsed();
    match r {
        Ok(c) => { eprintln!("ok {:?} ns={} warnings={}", el, c.intent.namespaces.len(), c.warnings.len()); for w in c.warnings.iter().take(4) { eprintln!("{:?}", w); } }
        Err(f) => eprintln!("failed {:?} {:#?}", el, &f.diagnostics[..3.min(f.diagnostics.len())]),
    }
}
