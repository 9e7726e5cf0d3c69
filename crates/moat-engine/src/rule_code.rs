//! The codes of the catalog rules that own a requirement `ops` checks (studio's storage
//! co-location, registry sharing and deployment, registry ACR access). `ops` names the rule
//! by this type and the rule reads its requirements by it, so a misspelt code is a compile
//! error, not a requirement no finding ever reports. Every code here is a rule of the
//! catalog (`moat-rules` tests it).

use serde::{Serialize, Serializer};
use std::fmt;

macro_rules! rule_codes {
    ($($v:ident = $s:literal,)*) => {
        /// A rule of the catalog that owns an operation's requirement.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleCode {
            $($v,)*
        }

        impl RuleCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [RuleCode] = &[$(RuleCode::$v,)*];

            /// The code as the catalog writes it (`REG006`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleCode::$v => $s,)*
                }
            }
        }
    };
}

rule_codes! {
    St001 = "ST001",
    St002 = "ST002",
    Reg005 = "REG005",
    Reg006 = "REG006",
    Reg008 = "REG008",
    Reg010 = "REG010",
    Acr003 = "ACR003",
    Acr004 = "ACR004",
    Acr008 = "ACR008",
}

impl RuleCode {
    /// The code of a catalog rule, if one owns a requirement.
    pub fn parse(s: &str) -> Option<RuleCode> {
        RuleCode::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl fmt::Display for RuleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl Serialize for RuleCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}
