//! A fake [`System`] for the tests: devices and registry keys in memory, a log of the calls
//! that change something, and switches for each failure the commands must handle.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::inf::Framework;
use crate::system::{
    DeviceInfo, Files, ParamsLocation, RawValue, Removal, Restart, SysError, System,
};

/// What the fake's driver install does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Install {
    /// Installs, writing the INF defaults into the device's driver key.
    #[default]
    Works,
    /// Fails with ERROR_DRIVER_STORE_ADD_FAILED.
    Fails,
    /// "Succeeds" without giving the device a driver (Wine's newdev when no model matches).
    NoDriver,
}

#[derive(Debug, Default)]
pub struct Fake {
    pub elevated: bool,
    pub test_signing: bool,
    pub devices: Vec<DeviceInfo>,
    /// Parameters keys by location text (`dev:ID` or `key:PATH`).
    pub keys: BTreeMap<String, Vec<RawValue>>,
    pub calls: Vec<String>,
    pub install: Install,
    pub restart_result: Option<Result<Restart, SysError>>,
    /// The `Parameters` defaults "the INF" writes when a driver is installed on a device.
    pub inf_defaults: Vec<RawValue>,
    /// KSCATEGORY_AUDIO interface paths by device instance ID (a started device's filters).
    pub filters: BTreeMap<String, Vec<String>>,
    /// What each filter answers to the live-status request; a path not listed refuses it
    /// as a filter without the property set does (ERROR_SET_NOT_FOUND).
    pub status: BTreeMap<String, Result<Vec<u8>, SysError>>,
    /// Interface friendly names by interface path (a path not listed has none).
    pub names: BTreeMap<String, Result<String, SysError>>,
    /// Live-status requests made (read_status takes `&self`).
    pub status_reads: std::cell::Cell<u32>,
    next_instance: u32,
}

impl Fake {
    pub fn admin() -> Fake {
        Fake {
            elevated: true,
            test_signing: true,
            inf_defaults: crate::params::default_values(),
            ..Fake::default()
        }
    }

    pub fn with_device(mut self, framework: Framework) -> Fake {
        let id = format!("ROOT\\MEDIA\\{:04}", self.next_instance);
        self.next_instance += 1;
        self.devices.push(DeviceInfo {
            instance_id: id.clone(),
            hardware_ids: vec![framework.hardware_id().to_owned()],
        });
        self.keys
            .insert(format!("dev:{id}"), self.inf_defaults.clone());
        self
    }

    pub fn values(&self, at: &str) -> &[RawValue] {
        self.keys.get(at).map_or(&[], Vec::as_slice)
    }

    fn key_name(at: &ParamsLocation) -> String {
        match at {
            ParamsLocation::Device { instance_id } => format!("dev:{instance_id}"),
            ParamsLocation::Key { path } => format!("key:{path}"),
        }
    }
}

impl System for Fake {
    fn is_elevated(&self) -> Result<bool, SysError> {
        Ok(self.elevated)
    }

    fn test_signing(&self) -> Result<bool, SysError> {
        Ok(self.test_signing)
    }

    fn find_devices(&self, hardware_ids: &[&str]) -> Result<Vec<DeviceInfo>, SysError> {
        Ok(self
            .devices
            .iter()
            .filter(|d| {
                d.hardware_ids
                    .iter()
                    .any(|h| hardware_ids.iter().any(|w| w.eq_ignore_ascii_case(h)))
            })
            .cloned()
            .collect())
    }

    fn create_root_device(
        &mut self,
        hardware_id: &str,
        class_name: &str,
        class_guid: &str,
        _description: &str,
    ) -> Result<String, SysError> {
        let id = format!("ROOT\\{class_name}\\{:04}", self.next_instance);
        self.next_instance += 1;
        self.calls
            .push(format!("create {id} {hardware_id} {class_guid}"));
        self.devices.push(DeviceInfo {
            instance_id: id.clone(),
            hardware_ids: vec![hardware_id.to_owned()],
        });
        Ok(id)
    }

    fn install_driver(&mut self, hardware_id: &str, inf: &Path) -> Result<bool, SysError> {
        self.calls
            .push(format!("install {hardware_id} {}", inf.display()));
        if self.install == Install::Fails {
            return Err(SysError::new(
                "UpdateDriverForPlugAndPlayDevicesW",
                0xE000_0247,
            ));
        }
        if self.install == Install::NoDriver {
            return Ok(false);
        }
        for d in &self.devices {
            if d.hardware_ids.iter().any(|h| h == hardware_id) {
                self.keys
                    .entry(format!("dev:{}", d.instance_id))
                    .or_insert_with(|| self.inf_defaults.clone());
            }
        }
        Ok(false)
    }

    fn remove_device(&mut self, instance_id: &str) -> Result<Removal, SysError> {
        self.calls.push(format!("remove {instance_id}"));
        self.devices.retain(|d| d.instance_id != instance_id);
        self.keys.remove(&format!("dev:{instance_id}"));
        Ok(Removal::Done)
    }

    fn read_values(&self, at: &ParamsLocation) -> Result<Vec<RawValue>, SysError> {
        let name = Fake::key_name(at);
        if matches!(at, ParamsLocation::Device { .. }) && !self.keys.contains_key(&name) {
            // A device without a driver has no driver key to open.
            return Err(SysError::new(
                "SetupDiOpenDevRegKey(DIREG_DRV)",
                0xE000_0204,
            ));
        }
        Ok(self.values(&name).to_vec())
    }

    fn write_value(&mut self, at: &ParamsLocation, value: &RawValue) -> Result<(), SysError> {
        let name = Fake::key_name(at);
        self.calls.push(format!("write {name} {}", value.name));
        let values = self.keys.entry(name).or_default();
        values.retain(|v| !v.name.eq_ignore_ascii_case(&value.name));
        values.push(value.clone());
        Ok(())
    }

    fn restart_device(&mut self, instance_id: &str) -> Result<Restart, SysError> {
        self.calls.push(format!("restart {instance_id}"));
        self.restart_result.clone().unwrap_or(Ok(Restart::Done))
    }

    fn audio_filters(&self, instance_id: &str) -> Result<Vec<String>, SysError> {
        Ok(self.filters.get(instance_id).cloned().unwrap_or_default())
    }

    fn read_status(&self, path: &str) -> Result<Vec<u8>, SysError> {
        self.status_reads.set(self.status_reads.get() + 1);
        self.status
            .get(path)
            .cloned()
            .unwrap_or_else(|| Err(SysError::new("DeviceIoControl(IOCTL_KS_PROPERTY)", 1170)))
    }

    fn interface_name(&self, path: &str) -> Result<Option<String>, SysError> {
        self.names.get(path).cloned().transpose()
    }

    fn enable_ansi(&mut self) {
        self.calls.push("enable ansi".to_owned());
    }

    fn wait(&mut self, ms: u32) {
        self.calls.push(format!("wait {ms}"));
    }
}

/// Files in memory.
#[derive(Debug, Default)]
pub struct FakeFiles {
    pub files: BTreeMap<PathBuf, Vec<u8>>,
}

impl Files for FakeFiles {
    fn read(&self, path: &Path) -> Result<Vec<u8>, String> {
        self.files
            .get(path)
            .cloned()
            .ok_or_else(|| "The system cannot find the file specified.".to_owned())
    }

    fn exists(&self, path: &Path) -> bool {
        self.files.contains_key(path)
    }
}
