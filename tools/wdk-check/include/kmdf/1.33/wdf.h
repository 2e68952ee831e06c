/*
 * KMDF 1.33 declarations for the Linux compile check of Cadenza's drivers (tools/wdk-check).
 *
 * Project-owned and declaration-only, written from the public KMDF DDI documentation
 * (learn.microsoft.com/windows-hardware/drivers/ddi/<header>/...; each item names its page). It
 * covers what cadenza_pc.sys, cadenza_acx.sys and the wdk crate use, nothing else, in the shape
 * wdk-sys's build script and wdk-macros expect from the WDK's wdf.h: handle types, structures,
 * callback typedefs, one PFN_WDFxxx typedef per method (driver globals first), the function
 * table enum and the WdfFunctions_01033 / WdfDriverGlobals / WdfFunctionCount symbols.
 *
 * The real Windows build uses the WDK's wdf.h, never this file. What this file cannot give:
 * the table index VALUES of WDFFUNCENUM are not in the public documentation, so the enum below
 * only names its members (in our own order); a compile against it proves names and types, not
 * indexes.
 *
 * Like the WDK's wdf.h, it does not include wdfminiport.h: WdfDriverMiniportUnload has a table
 * index here but no PFN typedef, exactly the situation the driver must cope with on Windows.
 */
#ifndef CADENZA_KMDF_WDF_H
#define CADENZA_KMDF_WDF_H

#include <ntddk.h>

/* ---- wdftypes.h / wdfobject.h: handles — .../ddi/wdfobject/ ------------------------------ */
typedef HANDLE WDFOBJECT, *PWDFOBJECT;
#define CADENZA_WDF_HANDLE(name) struct name##__ { int unused; }; typedef struct name##__ *name
CADENZA_WDF_HANDLE(WDFDRIVER);
CADENZA_WDF_HANDLE(WDFDEVICE);
CADENZA_WDF_HANDLE(WDFKEY);
CADENZA_WDF_HANDLE(WDFMEMORY);
CADENZA_WDF_HANDLE(WDFTIMER);
CADENZA_WDF_HANDLE(WDFSPINLOCK);
CADENZA_WDF_HANDLE(WDFCMRESLIST);
CADENZA_WDF_HANDLE(WDFREQUEST);
typedef struct WDFDEVICE_INIT WDFDEVICE_INIT, *PWDFDEVICE_INIT;

/* wdftypes.h: WDF_TRI_STATE — .../ddi/wdftypes/ne-wdftypes-_wdf_tri_state */
typedef enum _WDF_TRI_STATE { WdfFalse = FALSE, WdfTrue = TRUE, WdfUseDefault = 2 } WDF_TRI_STATE;

/* wdfobject.h: WDF_EXECUTION_LEVEL — .../ddi/wdfobject/ne-wdfobject-_wdf_execution_level */
typedef enum _WDF_EXECUTION_LEVEL {
    WdfExecutionLevelInvalid = 0x00,
    WdfExecutionLevelInheritFromParent,
    WdfExecutionLevelPassive,
    WdfExecutionLevelDispatch
} WDF_EXECUTION_LEVEL;

/* wdfobject.h: WDF_SYNCHRONIZATION_SCOPE — .../ddi/wdfobject/ne-wdfobject-_wdf_synchronization_scope */
typedef enum _WDF_SYNCHRONIZATION_SCOPE {
    WdfSynchronizationScopeInvalid = 0x00,
    WdfSynchronizationScopeInheritFromParent,
    WdfSynchronizationScopeDevice,
    WdfSynchronizationScopeQueue,
    WdfSynchronizationScopeNone
} WDF_SYNCHRONIZATION_SCOPE;

/* wdfobject.h: EVT_WDF_OBJECT_CONTEXT_CLEANUP / _DESTROY —
 * .../ddi/wdfobject/nc-wdfobject-evt_wdf_object_context_cleanup (and _destroy) */
typedef VOID EVT_WDF_OBJECT_CONTEXT_CLEANUP(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_CLEANUP *PFN_WDF_OBJECT_CONTEXT_CLEANUP;
typedef VOID EVT_WDF_OBJECT_CONTEXT_DESTROY(WDFOBJECT Object);
typedef EVT_WDF_OBJECT_CONTEXT_DESTROY *PFN_WDF_OBJECT_CONTEXT_DESTROY;

/* wdfobject.h: WDF_OBJECT_CONTEXT_TYPE_INFO — .../ddi/wdfobject/ns-wdfobject-_wdf_object_context_type_info */
typedef struct _WDF_OBJECT_CONTEXT_TYPE_INFO WDF_OBJECT_CONTEXT_TYPE_INFO;
typedef const WDF_OBJECT_CONTEXT_TYPE_INFO *PCWDF_OBJECT_CONTEXT_TYPE_INFO;
typedef PCWDF_OBJECT_CONTEXT_TYPE_INFO (__cdecl *PFN_GET_UNIQUE_CONTEXT_TYPE)(VOID);
struct _WDF_OBJECT_CONTEXT_TYPE_INFO {
    ULONG Size;
    LPCSTR ContextName;
    size_t ContextSize;
    PCWDF_OBJECT_CONTEXT_TYPE_INFO UniqueType;
    PFN_GET_UNIQUE_CONTEXT_TYPE EvtDriverGetUniqueContextType;
};
typedef WDF_OBJECT_CONTEXT_TYPE_INFO *PWDF_OBJECT_CONTEXT_TYPE_INFO;

/* wdfobject.h: WDF_OBJECT_ATTRIBUTES — .../ddi/wdfobject/ns-wdfobject-_wdf_object_attributes */
typedef struct _WDF_OBJECT_ATTRIBUTES {
    ULONG Size;
    PFN_WDF_OBJECT_CONTEXT_CLEANUP EvtCleanupCallback;
    PFN_WDF_OBJECT_CONTEXT_DESTROY EvtDestroyCallback;
    WDF_EXECUTION_LEVEL ExecutionLevel;
    WDF_SYNCHRONIZATION_SCOPE SynchronizationScope;
    WDFOBJECT ParentObject;
    size_t ContextSizeOverride;
    PCWDF_OBJECT_CONTEXT_TYPE_INFO ContextTypeInfo;
} WDF_OBJECT_ATTRIBUTES, *PWDF_OBJECT_ATTRIBUTES;

/* ---- wdfglobals.h: the driver globals (WdfGetDriver reads ->Driver) ----------------------- */
typedef struct _WDF_DRIVER_GLOBALS {
    WDFDRIVER Driver;
    ULONG DriverFlags;
    ULONG DriverTag;
    CHAR DriverName[32];
    BOOLEAN DisplaceDriverUnload;
} WDF_DRIVER_GLOBALS, *PWDF_DRIVER_GLOBALS;

/* ---- wdfdriver.h — .../ddi/wdfdriver/ ------------------------------------------------------ */
/* WDF_DRIVER_INIT_FLAGS — .../ddi/wdfdriver/ne-wdfdriver-_wdf_driver_init_flags */
typedef enum _WDF_DRIVER_INIT_FLAGS {
    WdfDriverInitNonPnpDriver = 0x00000001,
    WdfDriverInitNoDispatchOverride = 0x00000002,
    WdfVerifyOn = 0x00000004,
    WdfVerifierOn = 0x00000008,
    WdfDriverInitCompanion = 0x00000010
} WDF_DRIVER_INIT_FLAGS;

/* EVT_WDF_DRIVER_DEVICE_ADD — .../ddi/wdfdriver/nc-wdfdriver-evt_wdf_driver_device_add */
typedef NTSTATUS EVT_WDF_DRIVER_DEVICE_ADD(WDFDRIVER Driver, PWDFDEVICE_INIT DeviceInit);
typedef EVT_WDF_DRIVER_DEVICE_ADD *PFN_WDF_DRIVER_DEVICE_ADD;
/* EVT_WDF_DRIVER_UNLOAD — .../ddi/wdfdriver/nc-wdfdriver-evt_wdf_driver_unload */
typedef VOID EVT_WDF_DRIVER_UNLOAD(WDFDRIVER Driver);
typedef EVT_WDF_DRIVER_UNLOAD *PFN_WDF_DRIVER_UNLOAD;

/* WDF_DRIVER_CONFIG — .../ddi/wdfdriver/ns-wdfdriver-_wdf_driver_config */
typedef struct _WDF_DRIVER_CONFIG {
    ULONG Size;
    PFN_WDF_DRIVER_DEVICE_ADD EvtDriverDeviceAdd;
    PFN_WDF_DRIVER_UNLOAD EvtDriverUnload;
    ULONG DriverInitFlags;
    ULONG DriverPoolTag;
} WDF_DRIVER_CONFIG, *PWDF_DRIVER_CONFIG;

/* WdfDriverCreate — .../ddi/wdfdriver/nf-wdfdriver-wdfdrivercreate */
typedef NTSTATUS (*PFN_WDFDRIVERCREATE)(PWDF_DRIVER_GLOBALS DriverGlobals,
    PDRIVER_OBJECT DriverObject, PCUNICODE_STRING RegistryPath,
    PWDF_OBJECT_ATTRIBUTES DriverAttributes, PWDF_DRIVER_CONFIG DriverConfig, WDFDRIVER *Driver);

/* ---- wdfdevice.h — .../ddi/wdfdevice/ ------------------------------------------------------ */
/* WDF_POWER_DEVICE_STATE — .../ddi/wdfdevice/ne-wdfdevice-_wdf_power_device_state */
typedef enum _WDF_POWER_DEVICE_STATE {
    WdfPowerDeviceInvalid = 0,
    WdfPowerDeviceD0,
    WdfPowerDeviceD1,
    WdfPowerDeviceD2,
    WdfPowerDeviceD3,
    WdfPowerDeviceD3Final,
    WdfPowerDevicePrepareForHibernation,
    WdfPowerDeviceMaximum
} WDF_POWER_DEVICE_STATE;

/* WDF_SPECIAL_FILE_TYPE — .../ddi/wdfdevice/ne-wdfdevice-_wdf_special_file_type */
typedef enum _WDF_SPECIAL_FILE_TYPE {
    WdfSpecialFileUndefined = 0,
    WdfSpecialFilePaging = 1,
    WdfSpecialFileHibernation,
    WdfSpecialFileDump,
    WdfSpecialFileBoot,
    WdfSpecialFilePostDisplay,
    WdfSpecialFileGuestAssigned,
    WdfSpecialFileMax
} WDF_SPECIAL_FILE_TYPE;

/* The PnP and power callbacks — .../ddi/wdfdevice/nc-wdfdevice-evt_wdf_device_* */
typedef NTSTATUS EVT_WDF_DEVICE_D0_ENTRY(WDFDEVICE Device, WDF_POWER_DEVICE_STATE PreviousState);
typedef EVT_WDF_DEVICE_D0_ENTRY *PFN_WDF_DEVICE_D0_ENTRY;
typedef NTSTATUS EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED(WDFDEVICE Device,
    WDF_POWER_DEVICE_STATE PreviousState);
typedef EVT_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED
    *PFN_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED;
typedef NTSTATUS EVT_WDF_DEVICE_D0_EXIT(WDFDEVICE Device, WDF_POWER_DEVICE_STATE TargetState);
typedef EVT_WDF_DEVICE_D0_EXIT *PFN_WDF_DEVICE_D0_EXIT;
typedef NTSTATUS EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED(WDFDEVICE Device,
    WDF_POWER_DEVICE_STATE TargetState);
typedef EVT_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED
    *PFN_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED;
typedef NTSTATUS EVT_WDF_DEVICE_PREPARE_HARDWARE(WDFDEVICE Device, WDFCMRESLIST ResourcesRaw,
    WDFCMRESLIST ResourcesTranslated);
typedef EVT_WDF_DEVICE_PREPARE_HARDWARE *PFN_WDF_DEVICE_PREPARE_HARDWARE;
typedef NTSTATUS EVT_WDF_DEVICE_RELEASE_HARDWARE(WDFDEVICE Device,
    WDFCMRESLIST ResourcesTranslated);
typedef EVT_WDF_DEVICE_RELEASE_HARDWARE *PFN_WDF_DEVICE_RELEASE_HARDWARE;
typedef VOID EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP *PFN_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP;
typedef VOID EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_FLUSH *PFN_WDF_DEVICE_SELF_MANAGED_IO_FLUSH;
typedef NTSTATUS EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_INIT *PFN_WDF_DEVICE_SELF_MANAGED_IO_INIT;
typedef NTSTATUS EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND *PFN_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND;
typedef NTSTATUS EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SELF_MANAGED_IO_RESTART *PFN_WDF_DEVICE_SELF_MANAGED_IO_RESTART;
typedef VOID EVT_WDF_DEVICE_SURPRISE_REMOVAL(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_SURPRISE_REMOVAL *PFN_WDF_DEVICE_SURPRISE_REMOVAL;
typedef NTSTATUS EVT_WDF_DEVICE_QUERY_REMOVE(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_QUERY_REMOVE *PFN_WDF_DEVICE_QUERY_REMOVE;
typedef NTSTATUS EVT_WDF_DEVICE_QUERY_STOP(WDFDEVICE Device);
typedef EVT_WDF_DEVICE_QUERY_STOP *PFN_WDF_DEVICE_QUERY_STOP;
typedef VOID EVT_WDF_DEVICE_USAGE_NOTIFICATION(WDFDEVICE Device,
    WDF_SPECIAL_FILE_TYPE NotificationType, BOOLEAN IsInNotificationPath);
typedef EVT_WDF_DEVICE_USAGE_NOTIFICATION *PFN_WDF_DEVICE_USAGE_NOTIFICATION;
typedef VOID EVT_WDF_DEVICE_RELATIONS_QUERY(WDFDEVICE Device,
    DEVICE_RELATION_TYPE RelationType);
typedef EVT_WDF_DEVICE_RELATIONS_QUERY *PFN_WDF_DEVICE_RELATIONS_QUERY;
typedef NTSTATUS EVT_WDF_DEVICE_USAGE_NOTIFICATION_EX(WDFDEVICE Device,
    WDF_SPECIAL_FILE_TYPE NotificationType, BOOLEAN IsInNotificationPath);
typedef EVT_WDF_DEVICE_USAGE_NOTIFICATION_EX *PFN_WDF_DEVICE_USAGE_NOTIFICATION_EX;

/* WDF_PNPPOWER_EVENT_CALLBACKS — .../ddi/wdfdevice/ns-wdfdevice-_wdf_pnppower_event_callbacks */
typedef struct _WDF_PNPPOWER_EVENT_CALLBACKS {
    ULONG Size;
    PFN_WDF_DEVICE_D0_ENTRY EvtDeviceD0Entry;
    PFN_WDF_DEVICE_D0_ENTRY_POST_INTERRUPTS_ENABLED EvtDeviceD0EntryPostInterruptsEnabled;
    PFN_WDF_DEVICE_D0_EXIT EvtDeviceD0Exit;
    PFN_WDF_DEVICE_D0_EXIT_PRE_INTERRUPTS_DISABLED EvtDeviceD0ExitPreInterruptsDisabled;
    PFN_WDF_DEVICE_PREPARE_HARDWARE EvtDevicePrepareHardware;
    PFN_WDF_DEVICE_RELEASE_HARDWARE EvtDeviceReleaseHardware;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_CLEANUP EvtDeviceSelfManagedIoCleanup;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_FLUSH EvtDeviceSelfManagedIoFlush;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_INIT EvtDeviceSelfManagedIoInit;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_SUSPEND EvtDeviceSelfManagedIoSuspend;
    PFN_WDF_DEVICE_SELF_MANAGED_IO_RESTART EvtDeviceSelfManagedIoRestart;
    PFN_WDF_DEVICE_SURPRISE_REMOVAL EvtDeviceSurpriseRemoval;
    PFN_WDF_DEVICE_QUERY_REMOVE EvtDeviceQueryRemove;
    PFN_WDF_DEVICE_QUERY_STOP EvtDeviceQueryStop;
    PFN_WDF_DEVICE_USAGE_NOTIFICATION EvtDeviceUsageNotification;
    PFN_WDF_DEVICE_RELATIONS_QUERY EvtDeviceRelationsQuery;
    PFN_WDF_DEVICE_USAGE_NOTIFICATION_EX EvtDeviceUsageNotificationEx;
} WDF_PNPPOWER_EVENT_CALLBACKS, *PWDF_PNPPOWER_EVENT_CALLBACKS;

/* WdfDeviceCreate — .../ddi/wdfdevice/nf-wdfdevice-wdfdevicecreate */
typedef NTSTATUS (*PFN_WDFDEVICECREATE)(PWDF_DRIVER_GLOBALS DriverGlobals,
    PWDFDEVICE_INIT *DeviceInit, PWDF_OBJECT_ATTRIBUTES DeviceAttributes, WDFDEVICE *Device);
/* WdfDeviceWdmGetPhysicalDevice — .../ddi/wdfdevice/nf-wdfdevice-wdfdevicewdmgetphysicaldevice */
typedef PDEVICE_OBJECT (*PFN_WDFDEVICEWDMGETPHYSICALDEVICE)(PWDF_DRIVER_GLOBALS DriverGlobals,
    WDFDEVICE Device);
/* WdfDeviceInitSetPnpPowerEventCallbacks —
 * .../ddi/wdfdevice/nf-wdfdevice-wdfdeviceinitsetpnppowereventcallbacks */
typedef VOID (*PFN_WDFDEVICEINITSETPNPPOWEREVENTCALLBACKS)(PWDF_DRIVER_GLOBALS DriverGlobals,
    PWDFDEVICE_INIT DeviceInit, PWDF_PNPPOWER_EVENT_CALLBACKS PnpPowerEventCallbacks);
/* WdfDeviceOpenRegistryKey — .../ddi/wdfdevice/nf-wdfdevice-wdfdeviceopenregistrykey */
typedef NTSTATUS (*PFN_WDFDEVICEOPENREGISTRYKEY)(PWDF_DRIVER_GLOBALS DriverGlobals,
    WDFDEVICE Device, ULONG DeviceInstanceKeyType, ACCESS_MASK DesiredAccess,
    PWDF_OBJECT_ATTRIBUTES KeyAttributes, WDFKEY *Key);

/* ---- wdfregistry.h — .../ddi/wdfregistry/ -------------------------------------------------- */
/* WdfRegistryOpenKey — .../ddi/wdfregistry/nf-wdfregistry-wdfregistryopenkey */
typedef NTSTATUS (*PFN_WDFREGISTRYOPENKEY)(PWDF_DRIVER_GLOBALS DriverGlobals, WDFKEY ParentKey,
    PCUNICODE_STRING KeyName, ACCESS_MASK DesiredAccess, PWDF_OBJECT_ATTRIBUTES KeyAttributes,
    WDFKEY *Key);
/* WdfRegistryQueryValue — .../ddi/wdfregistry/nf-wdfregistry-wdfregistryqueryvalue */
typedef NTSTATUS (*PFN_WDFREGISTRYQUERYVALUE)(PWDF_DRIVER_GLOBALS DriverGlobals, WDFKEY Key,
    PCUNICODE_STRING ValueName, ULONG ValueLength, PVOID Value, PULONG ValueLengthQueried,
    PULONG ValueType);
/* WdfRegistryClose — .../ddi/wdfregistry/nf-wdfregistry-wdfregistryclose */
typedef VOID (*PFN_WDFREGISTRYCLOSE)(PWDF_DRIVER_GLOBALS DriverGlobals, WDFKEY Key);

/* ---- wdfmemory.h — .../ddi/wdfmemory/ ------------------------------------------------------ */
/* WDFMEMORY_OFFSET — .../ddi/wdfmemory/ns-wdfmemory-_wdfmemory_offset */
typedef struct _WDFMEMORY_OFFSET {
    size_t BufferOffset;
    size_t BufferLength;
} WDFMEMORY_OFFSET, *PWDFMEMORY_OFFSET;
/* WDF_MEMORY_DESCRIPTOR_TYPE — .../ddi/wdfmemory/ne-wdfmemory-_wdf_memory_descriptor_type */
typedef enum _WDF_MEMORY_DESCRIPTOR_TYPE {
    WdfMemoryDescriptorTypeInvalid = 0,
    WdfMemoryDescriptorTypeBuffer,
    WdfMemoryDescriptorTypeMdl,
    WdfMemoryDescriptorTypeHandle
} WDF_MEMORY_DESCRIPTOR_TYPE;
/* WDF_MEMORY_DESCRIPTOR — .../ddi/wdfmemory/ns-wdfmemory-_wdf_memory_descriptor */
typedef struct _WDF_MEMORY_DESCRIPTOR {
    WDF_MEMORY_DESCRIPTOR_TYPE Type;
    union {
        struct { PVOID Buffer; ULONG Length; } BufferType;
        struct { PMDL Mdl; ULONG BufferLength; } MdlType;
        struct { WDFMEMORY Memory; PWDFMEMORY_OFFSET Offsets; } HandleType;
    } u;
} WDF_MEMORY_DESCRIPTOR, *PWDF_MEMORY_DESCRIPTOR;

/* ---- wdftimer.h (the wdk crate's Timer) — .../ddi/wdftimer/ -------------------------------- */
/* EVT_WDF_TIMER — .../ddi/wdftimer/nc-wdftimer-evt_wdf_timer */
typedef VOID EVT_WDF_TIMER(WDFTIMER Timer);
typedef EVT_WDF_TIMER *PFN_WDF_TIMER;
/* WDF_TIMER_CONFIG — .../ddi/wdftimer/ns-wdftimer-_wdf_timer_config */
typedef struct _WDF_TIMER_CONFIG {
    ULONG Size;
    PFN_WDF_TIMER EvtTimerFunc;
    ULONG Period;
    BOOLEAN AutomaticSerialization;
    ULONG TolerableDelay;
    BOOLEAN UseHighResolutionTimer;
} WDF_TIMER_CONFIG, *PWDF_TIMER_CONFIG;
/* WdfTimerCreate — .../ddi/wdftimer/nf-wdftimer-wdftimercreate */
typedef NTSTATUS (*PFN_WDFTIMERCREATE)(PWDF_DRIVER_GLOBALS DriverGlobals,
    PWDF_TIMER_CONFIG Config, PWDF_OBJECT_ATTRIBUTES Attributes, WDFTIMER *Timer);
/* WdfTimerStart — .../ddi/wdftimer/nf-wdftimer-wdftimerstart */
typedef BOOLEAN (*PFN_WDFTIMERSTART)(PWDF_DRIVER_GLOBALS DriverGlobals, WDFTIMER Timer,
    LONGLONG DueTime);
/* WdfTimerStop — .../ddi/wdftimer/nf-wdftimer-wdftimerstop */
typedef BOOLEAN (*PFN_WDFTIMERSTOP)(PWDF_DRIVER_GLOBALS DriverGlobals, WDFTIMER Timer,
    BOOLEAN Wait);

/* ---- wdfsync.h (the wdk crate's SpinLock) — .../ddi/wdfsync/ ------------------------------- */
/* WdfSpinLockCreate — .../ddi/wdfsync/nf-wdfsync-wdfspinlockcreate */
typedef NTSTATUS (*PFN_WDFSPINLOCKCREATE)(PWDF_DRIVER_GLOBALS DriverGlobals,
    PWDF_OBJECT_ATTRIBUTES SpinLockAttributes, WDFSPINLOCK *SpinLock);
/* WdfSpinLockAcquire / WdfSpinLockRelease — .../ddi/wdfsync/nf-wdfsync-wdfspinlockacquire */
typedef VOID (*PFN_WDFSPINLOCKACQUIRE)(PWDF_DRIVER_GLOBALS DriverGlobals, WDFSPINLOCK SpinLock);
typedef VOID (*PFN_WDFSPINLOCKRELEASE)(PWDF_DRIVER_GLOBALS DriverGlobals, WDFSPINLOCK SpinLock);

/* ---- wdfrequest.h (ACX property requests) — .../ddi/wdfrequest/ -------------------------- */
/* WdfRequestCompleteWithInformation — .../ddi/wdfrequest/nf-wdfrequest-wdfrequestcompletewithinformation */
typedef VOID (*PFN_WDFREQUESTCOMPLETEWITHINFORMATION)(PWDF_DRIVER_GLOBALS DriverGlobals,
    WDFREQUEST Request, NTSTATUS Status, ULONG_PTR Information);

/* ---- wdfobject.h: typed contexts ----------------------------------------------------------- */
/* WdfObjectGetTypedContextWorker — .../ddi/wdfobject/nf-wdfobject-wdfobjectgettypedcontextworker */
typedef PVOID (*PFN_WDFOBJECTGETTYPEDCONTEXTWORKER)(PWDF_DRIVER_GLOBALS DriverGlobals,
    WDFOBJECT Handle, PCWDF_OBJECT_CONTEXT_TYPE_INFO TypeInfo);

/* ---- wdffuncenum.h: the function table ----------------------------------------------------- */
/* Member NAMES as the WDK's WDFFUNCENUM has them; the VALUES are this file's own (the public
 * documentation does not give the table order). WdfDriverMiniportUnload is wdfminiport.h's
 * method (its PFN typedef is deliberately absent, as from the WDK's wdf.h). */
typedef enum _WDFFUNCENUM {
    WdfDriverCreateTableIndex,
    WdfDriverMiniportUnloadTableIndex,
    WdfDeviceCreateTableIndex,
    WdfDeviceInitSetPnpPowerEventCallbacksTableIndex,
    WdfDeviceWdmGetPhysicalDeviceTableIndex,
    WdfDeviceOpenRegistryKeyTableIndex,
    WdfRegistryOpenKeyTableIndex,
    WdfRegistryQueryValueTableIndex,
    WdfRegistryCloseTableIndex,
    WdfTimerCreateTableIndex,
    WdfTimerStartTableIndex,
    WdfTimerStopTableIndex,
    WdfSpinLockCreateTableIndex,
    WdfSpinLockAcquireTableIndex,
    WdfSpinLockReleaseTableIndex,
    WdfObjectGetTypedContextWorkerTableIndex,
    WdfRequestCompleteWithInformationTableIndex,
    WdfFunctionTableNumEntries
} WDFFUNCENUM;

/* The table and globals the KMDF loader binds (wdfglobals.h / wdffuncenum.h): the table symbol
 * carries the target version (WdfFunctions_<major:02>0<minor:02>); wdk-sys renames it to
 * WdfFunctions. WdfFunctionCount is the table length since KMDF 1.25. */
typedef VOID (*WDFFUNC)(VOID);
extern const WDFFUNC *WdfFunctions_01033;
extern PWDF_DRIVER_GLOBALS WdfDriverGlobals;
extern ULONG WdfFunctionCount;

#endif
