//! A small evaluator for the formulas units put in their templates, mostly `=SUM(D5:I5)` and
//! `=D5+E5+…` in the 总计 cells.
//!
//! calamine returns the value a spreadsheet cached in the file, never a recalculation. Excel
//! and WPS cache the right value, but files written by other tools have none (openpyxl) or a
//! wrong 0 (rust_xlsxwriter), and such a cell would silently read as blank. So the reader
//! evaluates every formula it understands and trusts the cache only for the others.

use std::collections::HashMap;

use crate::grid::{Cell, Sheet, EXCEL_COLUMNS, EXCEL_ROWS};
use crate::text::{format_number, parse_value, ParsedValue};

/// A parsed formula.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    /// A cell: optional sheet name, 0-based row and column.
    Ref(Option<String>, u32, u32),
    /// A rectangle of cells, only inside a function's arguments.
    Range(Option<String>, (u32, u32), (u32, u32)),
    Neg(Box<Expr>),
    /// `a + b - c` or `a * b / c`: the first operand, then each operator and operand, so
    /// that a long formula is a loop, not a recursion per operator.
    Chain(Box<Expr>, Vec<(char, Expr)>),
    Sum(Vec<Expr>),
}

/// Nesting deeper than this (parentheses, signs, functions) is refused: Excel allows 64
/// levels, and a deeper formula must not exhaust the stack.
const MAX_DEPTH: usize = 64;

pub fn parse(formula: &str) -> Result<Expr, String> {
    let src: Vec<char> = formula.trim().trim_start_matches('=').chars().collect();
    let mut p = Parser {
        src,
        pos: 0,
        depth: 0,
    };
    let expr = p.expr()?;
    p.skip_space();
    if p.pos != p.src.len() {
        return Err(format!("无法理解的公式内容“{}”", p.rest()));
    }
    Ok(expr)
}

struct Parser {
    src: Vec<char>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn rest(&self) -> String {
        self.src[self.pos..].iter().collect()
    }

    fn skip_space(&mut self) {
        while self.src.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip_space();
        self.src.get(self.pos).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Expr, String> {
        let first = self.term()?;
        let mut rest = Vec::new();
        while let Some(op @ ('+' | '-')) = self.peek() {
            self.pos += 1;
            rest.push((op, self.term()?));
        }
        Ok(chain(first, rest))
    }

    fn term(&mut self) -> Result<Expr, String> {
        let first = self.factor()?;
        let mut rest = Vec::new();
        while let Some(op @ ('*' | '/')) = self.peek() {
            self.pos += 1;
            rest.push((op, self.factor()?));
        }
        Ok(chain(first, rest))
    }

    fn factor(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("公式嵌套过深".into());
        }
        let result = self.factor_inner();
        self.depth -= 1;
        result
    }

    fn factor_inner(&mut self) -> Result<Expr, String> {
        match self.peek() {
            Some('-') => {
                self.pos += 1;
                Ok(Expr::Neg(Box::new(self.factor()?)))
            }
            Some('+') => {
                self.pos += 1;
                self.factor()
            }
            Some('(') => {
                self.pos += 1;
                let e = self.expr()?;
                if !self.eat(')') {
                    return Err("公式括号不配对".into());
                }
                Ok(e)
            }
            Some(c) if c.is_ascii_digit() || c == '.' => self.number(),
            Some(_) => self.name_or_ref(),
            None => Err("公式不完整".into()),
        }
    }

    fn number(&mut self) -> Result<Expr, String> {
        let start = self.pos;
        while self
            .src
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_digit() || *c == '.')
        {
            self.pos += 1;
        }
        let text: String = self.src[start..self.pos].iter().collect();
        text.parse()
            .map(Expr::Number)
            .map_err(|_| format!("公式中的数字“{text}”无法理解"))
    }

    /// A sheet prefix (`'表 三'!` or `表三!`), if one stands here.
    fn sheet_prefix(&mut self) -> Option<String> {
        let start = self.pos;
        if self.src.get(self.pos) == Some(&'\'') {
            let mut name = String::new();
            self.pos += 1;
            while let Some(&c) = self.src.get(self.pos) {
                self.pos += 1;
                if c == '\'' {
                    if self.src.get(self.pos) == Some(&'\'') {
                        name.push('\'');
                        self.pos += 1;
                        continue;
                    }
                    if self.src.get(self.pos) == Some(&'!') {
                        self.pos += 1;
                        return Some(name);
                    }
                    break;
                }
                name.push(c);
            }
            self.pos = start;
            return None;
        }
        let mut end = self.pos;
        while self
            .src
            .get(end)
            .is_some_and(|c| !"!+-*/(),:' []".contains(*c))
        {
            end += 1;
        }
        if self.src.get(end) == Some(&'!') && end > start {
            self.pos = end + 1;
            return Some(self.src[start..end].iter().collect());
        }
        None
    }

    /// `$A$1` → (row, col), 0-based.
    fn cell_ref(&mut self) -> Option<(u32, u32)> {
        let start = self.pos;
        self.eat_char('$');
        let mut col: u32 = 0;
        let mut letters = 0;
        while let Some(c) = self.src.get(self.pos).filter(|c| c.is_ascii_alphabetic()) {
            // Columns have at most three letters (XFD); longer is a function name.
            col = col
                .saturating_mul(26)
                .saturating_add(c.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
            letters += 1;
            self.pos += 1;
        }
        self.eat_char('$');
        let mut row: u32 = 0;
        let mut digits = 0;
        while let Some(d) = self.src.get(self.pos).and_then(|c| c.to_digit(10)) {
            row = row.saturating_mul(10).saturating_add(d);
            digits += 1;
            self.pos += 1;
        }
        let next_is_name = self
            .src
            .get(self.pos)
            .is_some_and(|c| c.is_alphanumeric() || *c == '(');
        let in_sheet = (1..=EXCEL_ROWS).contains(&row) && col <= EXCEL_COLUMNS;
        if letters == 0 || letters > 3 || digits == 0 || !in_sheet || next_is_name {
            self.pos = start;
            return None;
        }
        Some((row - 1, col - 1))
    }

    fn eat_char(&mut self, c: char) {
        if self.src.get(self.pos) == Some(&c) {
            self.pos += 1;
        }
    }

    fn name_or_ref(&mut self) -> Result<Expr, String> {
        let start = self.pos;
        let sheet = self.sheet_prefix();
        if let Some(a) = self.cell_ref() {
            if self.eat(':') {
                let b = self
                    .cell_ref()
                    .ok_or_else(|| format!("无法理解的区域“{}”", self.rest()))?;
                let top_left = (a.0.min(b.0), a.1.min(b.1));
                let bottom_right = (a.0.max(b.0), a.1.max(b.1));
                return Ok(Expr::Range(sheet, top_left, bottom_right));
            }
            return Ok(Expr::Ref(sheet, a.0, a.1));
        }
        self.pos = start;
        let mut name = String::new();
        while let Some(c) = self
            .src
            .get(self.pos)
            .filter(|c| c.is_alphanumeric() || **c == '.')
        {
            name.push(*c);
            self.pos += 1;
        }
        if !name.eq_ignore_ascii_case("SUM") || !self.eat('(') {
            return Err(format!(
                "不支持的公式“{}”",
                self.src.iter().collect::<String>()
            ));
        }
        let mut args = Vec::new();
        if !self.eat(')') {
            loop {
                args.push(self.expr()?);
                if self.eat(')') {
                    break;
                }
                if !self.eat(',') {
                    return Err("SUM 的参数无法理解".into());
                }
            }
        }
        Ok(Expr::Sum(args))
    }
}

fn chain(first: Expr, rest: Vec<(char, Expr)>) -> Expr {
    if rest.is_empty() {
        first
    } else {
        Expr::Chain(Box::new(first), rest)
    }
}

/// Evaluates `expr`; `cell` gives the number a referenced cell holds (recursing into its
/// own formula where it has one).
/// Gives the number held by a cell: optional sheet name, 0-based row and column.
pub type CellLookup<'a> = dyn FnMut(Option<&str>, u32, u32) -> Result<f64, String> + 'a;

pub fn eval(expr: &Expr, cell: &mut CellLookup) -> Result<f64, String> {
    Ok(match expr {
        Expr::Number(n) => *n,
        Expr::Ref(sheet, r, c) => cell(sheet.as_deref(), *r, *c)?,
        Expr::Range(..) => return Err("区域只能用在 SUM 中".into()),
        Expr::Neg(e) => -eval(e, cell)?,
        Expr::Chain(first, rest) => {
            let mut acc = eval(first, cell)?;
            for (op, operand) in rest {
                let b = eval(operand, cell)?;
                acc = match op {
                    '+' => acc + b,
                    '-' => acc - b,
                    '*' => acc * b,
                    _ if b == 0.0 => return Err("公式除以 0".into()),
                    _ => acc / b,
                };
            }
            acc
        }
        Expr::Sum(args) => {
            let mut total = 0.0;
            for arg in args {
                total += match arg {
                    Expr::Range(sheet, (r1, c1), (r2, c2)) => {
                        let cells = (u64::from(*r2) - u64::from(*r1) + 1)
                            * (u64::from(*c2) - u64::from(*c1) + 1);
                        if cells > 10_000 {
                            return Err("SUM 的区域过大".into());
                        }
                        let mut sum = 0.0;
                        for r in *r1..=*r2 {
                            for c in *c1..=*c2 {
                                sum += cell(sheet.as_deref(), r, c)?;
                            }
                        }
                        sum
                    }
                    other => eval(other, cell)?,
                };
            }
            total
        }
    })
}

/// A formula cell of a workbook: sheet index, absolute row and column, the formula text.
pub struct FormulaCell {
    pub sheet: usize,
    pub row: u32,
    pub col: u32,
    pub text: String,
}

/// Puts the value of every formula it can evaluate into the grid. A formula it cannot
/// evaluate keeps the value cached in the file; with none cached it becomes the text
/// `=…`, which the next stages report as not a number. Returns notes for the user.
pub fn evaluate_workbook(sheets: &mut [Sheet], formulas: Vec<FormulaCell>) -> Vec<String> {
    let index: HashMap<(usize, u32, u32), usize> = formulas
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.sheet, f.row, f.col), i))
        .collect();
    let mut evaluator = Evaluator {
        sheets,
        formulas: &formulas,
        index: &index,
        memo: HashMap::new(),
        visiting: Vec::new(),
    };
    let results: Vec<Result<f64, String>> = (0..formulas.len())
        .map(|i| evaluator.formula_value(i))
        .collect();
    let mut notes = Vec::new();
    for (f, result) in formulas.iter().zip(results) {
        let sheet = &mut sheets[f.sheet];
        let at = sheet.location(f.row, f.col);
        let cached = sheet.get(f.row, f.col).clone();
        match (result, cached) {
            (Ok(v), Cell::Number(c)) if (v - c).abs() > 1e-9 => {
                notes.push(format!(
                    "{at} 的公式 ={} 计算得 {}，文件中保存的值是 {}，采用计算结果",
                    f.text,
                    format_number(v),
                    format_number(c)
                ));
                sheet.set(f.row, f.col, Cell::Number(v));
            }
            (Ok(v), _) => sheet.set(f.row, f.col, Cell::Number(v)),
            (Err(_), cached) if !cached.is_empty() => {}
            (Err(e), _) => {
                notes.push(format!(
                    "{at} 的公式 ={} 没有保存计算结果，也无法计算（{e}）",
                    f.text
                ));
                sheet.set(f.row, f.col, Cell::Text(format!("={}", f.text).into()));
            }
        }
    }
    notes
}

struct Evaluator<'a> {
    sheets: &'a [Sheet],
    formulas: &'a [FormulaCell],
    index: &'a HashMap<(usize, u32, u32), usize>,
    memo: HashMap<usize, Result<f64, String>>,
    visiting: Vec<usize>,
}

impl Evaluator<'_> {
    fn formula_value(&mut self, i: usize) -> Result<f64, String> {
        if let Some(done) = self.memo.get(&i) {
            return done.clone();
        }
        if self.visiting.contains(&i) || self.visiting.len() > 64 {
            return Err("公式循环引用".into());
        }
        self.visiting.push(i);
        let sheet = self.formulas[i].sheet;
        let result = parse(&self.formulas[i].text)
            .and_then(|expr| eval(&expr, &mut |name, r, c| self.cell_value(sheet, name, r, c)));
        self.visiting.pop();
        self.memo.insert(i, result.clone());
        result
    }

    fn cell_value(
        &mut self,
        from: usize,
        name: Option<&str>,
        r: u32,
        c: u32,
    ) -> Result<f64, String> {
        let sheet = match name {
            None => from,
            Some(n) => self
                .sheets
                .iter()
                .position(|s| s.name.eq_ignore_ascii_case(n))
                .ok_or_else(|| format!("引用了不存在的工作表“{n}”"))?,
        };
        if let Some(&i) = self.index.get(&(sheet, r, c)) {
            return self.formula_value(i);
        }
        let at = || self.sheets[sheet].location(r, c);
        match self.sheets[sheet].get(r, c) {
            Cell::Number(n) => Ok(*n),
            Cell::Empty => Ok(0.0),
            Cell::Text(t) => match parse_value(t) {
                ParsedValue::Number(n) => Ok(n),
                ParsedValue::Blank => Ok(0.0),
                ParsedValue::NotNumber(_) => Err(format!("引用的 {} 不是数字", at())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(formula: &str) -> Result<f64, String> {
        // Cell (r, c) holds 10 * r + c; sheet 其他 holds 100 more.
        let expr = parse(formula)?;
        eval(&expr, &mut |sheet, r, c| {
            Ok((10 * r + c) as f64 + if sheet == Some("表 三") { 100.0 } else { 0.0 })
        })
    }

    #[test]
    fn sums_and_arithmetic() {
        assert_eq!(value("=SUM(A1:B2)"), Ok(0.0 + 1.0 + 10.0 + 11.0));
        assert_eq!(value("=sum(B1,C1, 2)"), Ok(1.0 + 2.0 + 2.0));
        assert_eq!(value("=A2+$B$2*2-(C1)"), Ok(10.0 + 22.0 - 2.0));
        assert_eq!(value("=-A2/2"), Ok(-5.0));
        assert_eq!(value("='表 三'!B1+1"), Ok(102.0));
        assert_eq!(value("=SUM('表 三'!A1:A2)"), Ok(100.0 + 110.0));
        assert_eq!(value("=SUM()"), Ok(0.0));
    }

    #[test]
    fn what_it_does_not_know_is_an_error() {
        assert!(value("=VLOOKUP(A1,B1:C9,2)").is_err());
        assert!(value("=A1:B2").is_err());
        assert!(value("=SUM(A1").is_err());
        assert!(value("=A1/0").is_err());
        assert!(value("=[1]Sheet1!A1").is_err());
        assert!(value("=ABCDEFGHIJKLMNOPQRSTUVWXYZ1").is_err());
        assert!(value("=A99999999999").is_err());
        assert!(value("=SUM(A1:XFD1048576)").is_err());
        let deep = format!("={}1{}", "(".repeat(5000), ")".repeat(5000));
        assert!(value(&deep).is_err());
        assert!(value(&format!("={}1", "-".repeat(5000))).is_err());
        let long = format!("=1{}", "+1".repeat(4000));
        assert_eq!(value(&long), Ok(4001.0));
    }
}
