//! Where a call may connect, and how: origins and the allowlist (`allowlist`), which addresses
//! a name may reach (`address`), connections pinned to the addresses looked up once per call
//! (`connect`), and the spellings a URL may be written in (`written`). Plain rules with no
//! knowledge of the sandbox or the command line; the sandbox's outbound hook applies them.

pub mod address;
pub mod allowlist;
pub mod connect;
pub mod written;
