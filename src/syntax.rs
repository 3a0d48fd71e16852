//! Policy text to AST: the pest grammar in `grammar/policy.pest` and the pairs-to-AST conversion.

pub mod ast;
