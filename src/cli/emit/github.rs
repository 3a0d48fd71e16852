//! `--format github`: GitHub Actions workflow commands, one annotation per diagnostic.
//!
//! `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=E0203::message`;
//! the help follows the message on its own line (`%0A`).

use super::Located;
use crate::terminal::escape;

/// Renders one workflow command per line.
pub fn render(diagnostics: &[Located]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let mut properties = Vec::new();
        if let Some(p) = &d.place {
            properties.push(format!("file={}", escape_property(&escape(&p.file))));
            properties.push(format!("line={}", p.line));
            properties.push(format!("col={}", p.column));
            properties.push(format!("endLine={}", p.end_line));
            properties.push(format!("endColumn={}", p.end_column));
        }
        properties.push(format!("title={}", d.code));
        // Control characters of the message are shown escaped ([`crate::terminal`]): the log
        // shows annotations to people. The line break before the help is the format's own.
        let mut message = escape(&d.message).into_owned();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&escape(help));
        }
        out.push_str(&format!(
            "::{} {}::{}\n",
            d.severity_word(),
            properties.join(","),
            escape_data(&message)
        ));
    }
    out
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
