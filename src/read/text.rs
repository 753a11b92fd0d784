//! The report as text (`.txt`).

use crate::grid::Workbook;

pub(super) fn read(_bytes: &[u8]) -> Result<Workbook, String> {
    Err("文本文件暂不能读取".into())
}
