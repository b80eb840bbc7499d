//! The error contract: every way an operation can fail, with its case in the WIT's `error`
//! variant and its exit code, defined here once for the component's exports, its command build
//! and the host (which reads the case by name and exits with the code).

/// Exit codes (documented in the README). WASI 0.2 commands can only report 0 or 1.
pub mod exit {
    pub const USAGE: u8 = 2;
    pub const NOT_FOUND: u8 = 3;
    pub const UNAUTHORIZED: u8 = 4;
    pub const NETWORK: u8 = 5;
    pub const DENIED: u8 = 6;
    pub const SERVER: u8 = 7;
    pub const SANDBOX: u8 = 8;
    pub const LIMIT: u8 = 9;
}

/// Why an operation failed: the cases of the WIT's `error` variant, whose docs say what each
/// means. A test in the host checks them against the component's own variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    MissingKeys,
    Unauthorized,
    Network,
    Denied,
    BadInput,
    Server,
}

impl ErrorKind {
    /// Every case, in the WIT's order.
    pub const ALL: [ErrorKind; 7] = [
        ErrorKind::NotFound,
        ErrorKind::MissingKeys,
        ErrorKind::Unauthorized,
        ErrorKind::Network,
        ErrorKind::Denied,
        ErrorKind::BadInput,
        ErrorKind::Server,
    ];

    /// The case's name in the WIT.
    pub fn case(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not-found",
            ErrorKind::MissingKeys => "missing-keys",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Network => "network",
            ErrorKind::Denied => "denied",
            ErrorKind::BadInput => "bad-input",
            ErrorKind::Server => "server",
        }
    }

    /// The kind of a case named as in the WIT; `None` for a case this contract does not know.
    pub fn of_case(case: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.case() == case)
    }

    /// The exit code of a command that failed this way (the host CLI's and the command
    /// build's alike).
    pub fn exit_code(self) -> u8 {
        match self {
            ErrorKind::BadInput => exit::USAGE,
            ErrorKind::NotFound | ErrorKind::MissingKeys => exit::NOT_FOUND,
            ErrorKind::Unauthorized => exit::UNAUTHORIZED,
            ErrorKind::Network => exit::NETWORK,
            ErrorKind::Denied => exit::DENIED,
            ErrorKind::Server => exit::SERVER,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_case_reads_back_as_its_kind() {
        for kind in ErrorKind::ALL {
            assert_eq!(ErrorKind::of_case(kind.case()), Some(kind));
        }
        assert_eq!(ErrorKind::of_case("not_found"), None);
    }
}
