//! Helpers shared by the fuzz targets: a cursor that decodes fuzzer bytes into values
//! (running out of input yields zeros, so every input is a valid program) and a few fixed
//! device configurations.

use cadenza_engine::config::{DeviceConfig, parse_text};

/// Reads values from the fuzzer's bytes; past the end everything is zero.
#[derive(Debug)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }
    pub fn bool(&mut self) -> bool {
        self.u8() & 1 != 0
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    /// A u32 that is often a small or boundary value, sometimes anything.
    pub fn interesting_u32(&mut self) -> u32 {
        match self.u8() % 8 {
            0 => 0,
            1 => 1,
            2 => 2,
            3 => u32::MAX,
            4 => u32::from(self.u8()),
            5 => u32::from(self.u16()),
            _ => self.u32(),
        }
    }
    /// Up to `max` bytes, the length taken from the input.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let want = usize::from(self.u16()) % (max + 1);
        let n = want.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.data)
    }
}

/// A handful of device configurations: the default (stereo, 48 kHz), mono, the widest
/// (16 channels, every rate), and a narrow one (int16 only, two rates).
pub fn config(selector: u8) -> DeviceConfig {
    let text = match selector % 4 {
        0 => "",
        1 => "Channels = 1\nSampleRates = 44100, 48000\nDefaultSampleRate = 44100\n",
        2 => "Channels = 16\nSampleRates = 8000, 11025, 16000, 22050, 32000, 44100, 48000, 96000, 192000, 384000\n",
        _ => "Channels = 2\nSampleTypes = int16\nSampleRates = 48000, 96000\n",
    };
    parse_text(text, &mut |_| {})
}
