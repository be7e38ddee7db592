//! Reading a file argument: `-` is stdin, else a path. Reads stop one byte past the caller's size limit, so a huge
//! file is refused as too large without being slurped.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use licet_core::MAX_TOKEN_BYTES;

/// A license: stdin, a file, or (when `arg` names no file) the token text itself.
pub fn read_token(arg: &str) -> anyhow::Result<Vec<u8>> {
    if arg != "-" && !Path::new(arg).is_file() {
        return Ok(arg.as_bytes().to_vec());
    }
    read_limited(arg, MAX_TOKEN_BYTES, "the license")
}

/// `-` (stdin) or the file `arg`, at most `limit` + 1 bytes; `what` names it in errors.
pub fn read_limited(arg: &str, limit: usize, what: &str) -> anyhow::Result<Vec<u8>> {
    let limit = (limit as u64).saturating_add(1);
    let mut buf = Vec::new();
    if arg == "-" {
        std::io::stdin()
            .take(limit)
            .read_to_end(&mut buf)
            .with_context(|| format!("reading {what} from stdin"))?;
    } else {
        std::fs::File::open(arg)
            .and_then(|f| f.take(limit).read_to_end(&mut buf))
            .with_context(|| format!("reading {what} from {arg}"))?;
    }
    Ok(buf)
}
