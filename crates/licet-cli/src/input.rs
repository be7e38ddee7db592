//! Reading a token argument: `-` is stdin, an existing path is a file, anything else is the token text itself.
//! Reads stop one byte past the core's size limit, so a huge file is refused as too large without being slurped.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use licet_core::MAX_TOKEN_BYTES;

pub fn read_token(arg: &str) -> anyhow::Result<Vec<u8>> {
    let limit = (MAX_TOKEN_BYTES + 1) as u64;
    let mut buf = Vec::new();
    if arg == "-" {
        std::io::stdin()
            .take(limit)
            .read_to_end(&mut buf)
            .context("reading the license from stdin")?;
    } else if Path::new(arg).is_file() {
        std::fs::File::open(arg)
            .and_then(|f| f.take(limit).read_to_end(&mut buf))
            .with_context(|| format!("reading the license file {arg}"))?;
    } else {
        buf = arg.as_bytes().to_vec();
    }
    Ok(buf)
}
