/*
 * acx.h — project-owned, declaration-only stand-in for the WDK's ACX 1.1 headers (acx.h and the
 * Acx*.h files it includes), used ONLY by the Linux compile check in tools/wdk-check/run.sh.
 *
 * It declares exactly the ACX items cadenza_acx.sys (driver/acx/sys/src/windows/) uses — handle
 * types, configuration structures and their enums, callback typedefs, the ACX function-table
 * plumbing (ACXFUNCENUM, ACXFUNC, AcxFunctions, AcxDriverGlobals) and one PFN_ACXxxx typedef per
 * method the driver calls — so that bindgen produces the same Rust items the real headers give,
 * and a wrong argument or field type in the Rust code fails to compile here as it would on
 * Windows. It was written from the public DDI reference (learn.microsoft.com/windows-hardware/
 * drivers/ddi/acx*; source: github.com/MicrosoftDocs/windows-driver-docs-ddi), not copied from
 * Microsoft's headers or samples. Each item names its documentation page ("ddi/" below stands
 * for learn.microsoft.com/windows-hardware/drivers/ddi/).
 *
 * The real Windows build uses the WDK's ACX headers (<WDK>\Include\<ver>\km\acx\km\1.1); nothing
 * here is used there. Values the documentation does not give are marked PLACEHOLDER.
 *
 * Included after <ntddk.h>, <wdf.h> (the project's KMDF 1.33 stand-in: WDFOBJECT, WDFDEVICE,
 * WDFDRIVER, WDFREQUEST, PWDFDEVICE_INIT, WDF_OBJECT_ATTRIBUTES, WDF_EXECUTION_LEVEL,
 * WDF_SYNCHRONIZATION_SCOPE, WDF_MEMORY_DESCRIPTOR), <windef.h>, <mmsystem.h>, <ks.h> and
 * <ksmedia.h>, with ACX_VERSION_MAJOR=1 and ACX_VERSION_MINOR=1.
 */
#ifndef CADENZA_ACX_H
#define CADENZA_ACX_H

#if !defined(ACX_VERSION_MAJOR) || !defined(ACX_VERSION_MINOR)
#error "define ACX_VERSION_MAJOR and ACX_VERSION_MINOR (this stand-in covers ACX 1.1)"
#endif
#if ACX_VERSION_MAJOR != 1 || ACX_VERSION_MINOR != 1
#error "this stand-in declares ACX 1.1 only"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Handles ==================================================================================
 * ACX objects are WDF objects; each type has its own opaque handle, as WDF's do. ACXOBJECT is the
 * generic handle (the role WDFOBJECT plays in WDF): the documentation's C++ examples pass an
 * ACXCIRCUIT where an ACXOBJECT is expected (AcxVolumeCreate(Circuit, ...), ddi/acxelements/
 * nf-acxelements-acxvolumecreate) and cast AcxElementGetContainer's ACXOBJECT to ACXCIRCUIT, so
 * it is declared as WDFOBJECT (an untyped HANDLE).
 * Summary of ACX objects: learn.microsoft.com/windows-hardware/drivers/audio/acx-summary-of-objects
 */
typedef WDFOBJECT ACXOBJECT;
typedef struct ACXCIRCUIT__ *ACXCIRCUIT;               /* ddi/acxcircuit/ */
typedef struct ACXCIRCUIT_INIT *PACXCIRCUIT_INIT;      /* ddi/acxcircuit/nf-acxcircuit-acxcircuitinitallocate */
typedef struct ACXSTREAM__ *ACXSTREAM;                 /* ddi/acxstreams/ */
typedef struct ACXSTREAM_INIT *PACXSTREAM_INIT;        /* ddi/acxstreams/nf-acxstreams-acxrtstreamcreate */
typedef struct ACXPIN__ *ACXPIN;                       /* ddi/acxpin/ */
typedef struct ACXJACK__ *ACXJACK;                     /* ddi/acxpin/nf-acxpin-acxjackcreate */
typedef struct ACXELEMENT__ *ACXELEMENT;               /* ddi/acxelements/ */
typedef struct ACXVOLUME__ *ACXVOLUME;                 /* ddi/acxelements/nf-acxelements-acxvolumecreate */
typedef struct ACXMUTE__ *ACXMUTE;                     /* ddi/acxelements/nf-acxelements-acxmutecreate */
typedef struct ACXDATAFORMAT__ *ACXDATAFORMAT;         /* ddi/acxdataformat/ */
typedef struct ACXDATAFORMATLIST__ *ACXDATAFORMATLIST; /* ddi/acxdataformat/ */
typedef struct ACXOBJECTBAG__ *ACXOBJECTBAG;           /* ddi/acxmisc/nf-acxmisc-acxobjectbagcreate */
typedef struct ACXEVENTDATA__ *ACXEVENTDATA;           /* ddi/acxrequest/ns-acxrequest-acx_request_parameters */

/* Structures the driver only ever passes as NULL inside the configurations below; declared
 * incomplete (their layouts are not needed): ACX_PIN_CALLBACKS (ddi/acxpin/
 * ns-acxpin-acx_pin_callbacks), ACX_METHOD_ITEM (ddi/acxrequest/ns-acxrequest-acx_method_item),
 * ACX_MICROPHONE_CONFIG
 * (ddi/acxpin/ns-acxpin-acx_microphone_config), ACX_JACK_CALLBACKS (ddi/acxpin/
 * ns-acxpin-acx_jack_callbacks), ACXDRMRIGHTS (ddi/acxstreams/ns-acxstreams-acxdrmrights). */
typedef struct _ACX_PIN_CALLBACKS *PACX_PIN_CALLBACKS;
/* ACX_PROPERTY_ITEM is complete (acxrequest.h below: the circuits' property items); its pointer
 * type is declared here because ACX_PIN_CONFIG refers to it first. */
typedef struct _ACX_PROPERTY_ITEM *PACX_PROPERTY_ITEM;
typedef struct _ACX_METHOD_ITEM *PACX_METHOD_ITEM;
typedef struct _ACX_MICROPHONE_CONFIG *PACX_MICROPHONE_CONFIG;
typedef struct _ACX_JACK_CALLBACKS *PACX_JACK_CALLBACKS;
typedef struct _ACXDRMRIGHTS *PACXDRMRIGHTS;

/* ==== Driver globals and the function table =====================================================
 * The ACX methods are FORCEINLINE wrappers that call
 * ((PFN_ACXxxx) AcxFunctions[AcxXxxTableIndex])(AcxDriverGlobals, ...); acxstub.lib defines the
 * table and the globals and the ACX loader fills them (bindings.rs's acx_call! does the call).
 * ACXFUNCENUM: ddi/acxfuncenum/ne-acxfuncenum-acxfuncenum. The documented ACX_DRIVER_GLOBALS is
 * opaque to drivers; its content here is a PLACEHOLDER. */
typedef struct _ACX_DRIVER_GLOBALS {
    ULONG Reserved; /* PLACEHOLDER: the layout is private to ACX */
} ACX_DRIVER_GLOBALS, *PACX_DRIVER_GLOBALS;

/* Only the indexes of the methods cadenza_acx.sys calls. Each value is the member's position in
 * the documented ACXFUNCENUM member list (ddi/acxfuncenum/ne-acxfuncenum-acxfuncenum, which lists
 * the 221 ACX 1.1 entries in table order, 0-based); AcxFunctionTableNumEntries is that count.
 * They matter to nothing but this compile check: on Windows the WDK's AcxFuncEnum.h is used. */
typedef enum _ACXFUNCENUM {
    AcxCircuitInitAllocateTableIndex = 0,
    AcxCircuitInitFreeTableIndex = 1,
    AcxCircuitInitAssignNameTableIndex = 4,
    AcxCircuitInitSetCircuitTypeTableIndex = 6,
    AcxCircuitInitAssignPropertiesTableIndex = 7,
    AcxCircuitInitAssignAcxCreateStreamCallbackTableIndex = 12,
    AcxCircuitCreateTableIndex = 14,
    AcxCircuitAddElementsTableIndex = 16,
    AcxCircuitAddPinsTableIndex = 20,
    AcxCircuitGetWdfDeviceTableIndex = 22,
    AcxDataFormatCreateTableIndex = 39,
    AcxDataFormatGetKsDataFormatTableIndex = 55,
    AcxDataFormatListAddDataFormatTableIndex = 61,
    AcxDataFormatListAssignDefaultDataFormatTableIndex = 63,
    AcxDeviceInitInitializeTableIndex = 68,
    AcxDeviceInitializeTableIndex = 69,
    AcxDeviceAddCircuitTableIndex = 70,
    AcxDeviceRemoveCircuitTableIndex = 71,
    AcxDriverInitializeTableIndex = 78,
    AcxElementGetContainerTableIndex = 83,
    AcxMuteCreateTableIndex = 84,
    AcxVolumeCreateTableIndex = 86,
    AcxPinCreateTableIndex = 137,
    AcxPinAddJacksTableIndex = 139,
    AcxPinGetRawDataFormatListTableIndex = 142,
    AcxJackCreateTableIndex = 149,
    AcxRequestGetParametersTableIndex = 153,
    AcxStreamInitAssignAcxStreamCallbacksTableIndex = 157,
    AcxStreamInitAssignAcxRtStreamCallbacksTableIndex = 158,
    AcxStreamInitSetAcxRtStreamSupportsNotificationsTableIndex = 159,
    AcxRtStreamCreateTableIndex = 169,
    AcxRtStreamNotifyPacketCompleteTableIndex = 170,
    AcxFunctionTableNumEntries = 221
} ACXFUNCENUM;

/* A table entry: any ACX method, called through its PFN_ACXxxx type. */
typedef VOID (*ACXFUNC)(VOID);
/* The table itself (an array in the driver image, filled by the ACX loader; bindings.rs takes
 * its address). */
extern ACXFUNC AcxFunctions[AcxFunctionTableNumEntries];
/* The driver's ACX globals, passed first to every method. */
extern PACX_DRIVER_GLOBALS AcxDriverGlobals;
/* The number of usable table entries (ddi/acxfuncenum/nf-acxfuncenum-acx_is_function_available). */
extern ULONG AcxFunctionCount;
/* The oldest ACX minor version the driver loads on. The WDK's header DEFINES it
 * (__declspec(selectany)) for the stub library to read; so does this stand-in, so that the
 * driver's build script must materialise it by compiling the headers, as on Windows. The value
 * here (1, the minor version bound to) is this file's own. */
__declspec(selectany) ULONG AcxMinimumVersionRequired = 1;

/* ==== acxdriver.h ==============================================================================*/
/* ACX_DRIVER_CONFIG — ddi/acxdriver/ns-acxdriver-acx_driver_config */
typedef struct _ACX_DRIVER_CONFIG {
    ULONG Size;
    ULONG Flags; /* ACX_DRIVER_CONFIG_FLAGS */
} ACX_DRIVER_CONFIG, *PACX_DRIVER_CONFIG;

/* AcxDriverInitialize — ddi/acxdriver/nf-acxdriver-acxdriverinitialize */
typedef NTSTATUS (NTAPI *PFN_ACXDRIVERINITIALIZE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                  WDFDRIVER Driver,
                                                  PACX_DRIVER_CONFIG DriverConfig);

/* ==== acxdevice.h ==============================================================================*/
/* The Context array lengths are not documented: PLACEHOLDER values. */
#define ACX_DEVICEINIT_CONFIG_CONTEXT_SIZE 4 /* PLACEHOLDER */
#define ACX_DEVICE_CONFIG_CONTEXT_SIZE 4     /* PLACEHOLDER */

/* ACX_DEVICEINIT_CONFIG — ddi/acxdevice/ns-acxdevice-acx_deviceinit_config */
typedef struct _ACX_DEVICEINIT_CONFIG {
    ULONG Size;
    ULONG Flags;
    WDF_SYNCHRONIZATION_SCOPE SynchronizationScope;
    WDF_EXECUTION_LEVEL ExecutionLevel;
    PVOID Context[ACX_DEVICEINIT_CONFIG_CONTEXT_SIZE];
} ACX_DEVICEINIT_CONFIG, *PACX_DEVICEINIT_CONFIG;

/* ACX_DEVICE_CONFIG — ddi/acxdevice/ns-acxdevice-acx_device_config */
typedef struct _ACX_DEVICE_CONFIG {
    ULONG Size;
    ULONG Flags; /* ACX_DEVICE_CONFIG_FLAGS */
    PVOID Context[ACX_DEVICE_CONFIG_CONTEXT_SIZE];
} ACX_DEVICE_CONFIG, *PACX_DEVICE_CONFIG;

/* AcxDeviceInitInitialize — ddi/acxdevice/nf-acxdevice-acxdeviceinitinitialize */
typedef NTSTATUS (NTAPI *PFN_ACXDEVICEINITINITIALIZE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                      PWDFDEVICE_INIT DeviceInit,
                                                      PACX_DEVICEINIT_CONFIG Config);
/* AcxDeviceInitialize — ddi/acxdevice/nf-acxdevice-acxdeviceinitialize */
typedef NTSTATUS (NTAPI *PFN_ACXDEVICEINITIALIZE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                  WDFDEVICE Device, PACX_DEVICE_CONFIG Config);
/* AcxDeviceAddCircuit — ddi/acxdevice/nf-acxdevice-acxdeviceaddcircuit */
typedef NTSTATUS (NTAPI *PFN_ACXDEVICEADDCIRCUIT)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                  WDFDEVICE Device, ACXCIRCUIT Circuit);
/* AcxDeviceRemoveCircuit — ddi/acxdevice/nf-acxdevice-acxdeviceremovecircuit */
typedef NTSTATUS (NTAPI *PFN_ACXDEVICEREMOVECIRCUIT)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                     WDFDEVICE Device, ACXCIRCUIT Circuit);

/* ==== acxrequest.h =============================================================================*/
/* EVT_ACX_OBJECT_PROCESS_REQUEST — ddi/acxrequest/nc-acxrequest-evt_acx_object_process_request:
 * the handler of a property item (ACX_PROPERTY_ITEM below) and the type of the elements'
 * ...ProcessRequest callback fields (which the driver leaves NULL). The handler completes the
 * WDFREQUEST itself. */
typedef VOID NTAPI EVT_ACX_OBJECT_PROCESS_REQUEST(ACXOBJECT Object, WDFREQUEST Request);
typedef EVT_ACX_OBJECT_PROCESS_REQUEST *PFN_ACX_OBJECT_PROCESS_REQUEST;

/* ACX_PROPERTY_ITEM_FLAG_* — ddi/acxrequest/ns-acxrequest-acx_property_item (the page gives the
 * values: the KSPROPERTY_TYPE_* bits). */
#define ACX_PROPERTY_ITEM_FLAG_NONE 0x00000000
#define ACX_PROPERTY_ITEM_FLAG_GET 0x00000001
#define ACX_PROPERTY_ITEM_FLAG_SET 0x00000002
#define ACX_PROPERTY_ITEM_FLAG_BASICSUPPORT 0x00000200

/* ACX_PROPERTY_ITEM — ddi/acxrequest/ns-acxrequest-acx_property_item */
typedef struct _ACX_PROPERTY_ITEM {
    const GUID *Set;
    ULONG Id;
    ULONG Flags;
    PFN_ACX_OBJECT_PROCESS_REQUEST EvtAcxObjectProcessRequest;
    PVOID Reserved;
    ULONG ControlCb;
    ULONG ValueCb;
    ULONG ValueType; /* a VARENUM; 0 (VT_EMPTY) for the default behaviour */
} ACX_PROPERTY_ITEM;

/* ACX_REQUEST_TYPE — ddi/acxrequest/ne-acxrequest-acx_request_type (members listed without
 * values; declared in that order from 0). */
typedef enum _ACX_REQUEST_TYPE {
    AcxRequestTypeUnknown,
    AcxRequestTypeAny,
    AcxRequestTypeCreate,
    AcxRequestTypeProperty,
    AcxRequestTypeMethod,
    AcxRequestTypeEvent,
    AcxRequestTypeResetState,
    AcxRequestTypeMax
} ACX_REQUEST_TYPE, *PACX_REQUEST_TYPE;

/* ACX_PROPERTY_VERB — ddi/acxrequest/ne-acxrequest-acx_property_verb (in that order from 0;
 * cadenza-acx's live_status reads the verb by these positions). */
typedef enum _ACX_PROPERTY_VERB {
    AcxPropertyVerbNone,
    AcxPropertyVerbGet,
    AcxPropertyVerbSet,
    AcxPropertyVerbBasicSupport,
    AcxPropertyVerbSetSupport,
    AcxPropertyVerbMax
} ACX_PROPERTY_VERB, *PACX_PROPERTY_VERB;

/* ACX_METHOD_VERB — ddi/acxrequest/ne-acxrequest-acx_method_verb */
typedef enum _ACX_METHOD_VERB {
    AcxMethodVerbNone,
    AcxMethodVerbSend,
    AcxMethodVerbBasicSupport,
    AcxMethodVerbSetSupport,
    AcxMethodVerbMax
} ACX_METHOD_VERB, *PACX_METHOD_VERB;

/* ACX_EVENT_VERB — ddi/acxrequest/ne-acxrequest-acx_event_verb */
typedef enum _ACX_EVENT_VERB {
    AcxEventVerbNone,
    AcxEventVerbEnable,
    AcxEventVerbDisable,
    AcxEventVerbBasicSupport,
    AcxEventVerbSetSupport,
    AcxEventVerbMax
} ACX_EVENT_VERB, *PACX_EVENT_VERB;

/* ACX_ITEM_TYPE — ddi/acxrequest/ne-acxrequest-acx_item_type */
typedef enum _ACX_ITEM_TYPE {
    AcxItemTypeDefault,
    AcxItemTypeCircuit,
    AcxItemTypeStream,
    AcxItemTypeFactoryCircuit,
    AcxItemTypePin,
    AcxItemTypeElement,
    AcxItemTypeMax
} ACX_ITEM_TYPE, *PACX_ITEM_TYPE;

/* ACX_REQUEST_PARAMETERS — ddi/acxrequest/ns-acxrequest-acx_request_parameters (every member of
 * the union, so that its size, which ACX_REQUEST_PARAMETERS_INIT stores in Size, is the
 * documented structure's). */
typedef struct _ACX_REQUEST_PARAMETERS {
    USHORT Size;
    UCHAR MajorFunction;
    UCHAR MinorFunction;
    ACX_REQUEST_TYPE Type;
    union {
        struct {
            GUID Set;
            ULONG Id;
            ACX_PROPERTY_VERB Verb;
            ACX_ITEM_TYPE ItemType;
            ULONG ItemId;
            PVOID Control;
            ULONG ControlCb;
            PVOID Value;
            ULONG ValueCb;
        } Property;
        struct {
            GUID Set;
            ULONG Id;
            ACX_METHOD_VERB Verb;
            ACX_ITEM_TYPE ItemType;
            ULONG ItemId;
            PVOID Args;
            ULONG ArgsCb;
            PVOID Result;
            ULONG ResultCb;
        } Method;
        struct {
            GUID Set;
            ULONG Id;
            ACX_EVENT_VERB Verb;
            ACX_ITEM_TYPE ItemType;
            ULONG ItemId;
            PVOID Data;
            ULONG DataCb;
            ACXEVENTDATA EventData;
        } Event;
        struct {
            PVOID Control;
            ULONG ControlCb;
        } Create;
    } Parameters;
} ACX_REQUEST_PARAMETERS, *PACX_REQUEST_PARAMETERS;

/* AcxRequestGetParameters — ddi/acxrequest/nf-acxrequest-acxrequestgetparameters
 * (≤ DISPATCH_LEVEL) */
typedef VOID (NTAPI *PFN_ACXREQUESTGETPARAMETERS)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                  WDFREQUEST Request,
                                                  PACX_REQUEST_PARAMETERS Parameters);

/* ==== acxdataformat.h ==========================================================================*/
/* ACX_DATAFORMAT_TYPE — ddi/acxdataformat/ne-acxdataformat-acx_dataformat_type */
typedef enum _ACX_DATAFORMAT_TYPE {
    AcxDataFormatKsFormat,
    AcxDataFormatMaximum
} ACX_DATAFORMAT_TYPE, *PACX_DATAFORMAT_TYPE;

/* ACX_DATAFORMAT_CONFIG — ddi/acxdataformat/ns-acxdataformat-acx_dataformat_config */
typedef struct _ACX_DATAFORMAT_CONFIG {
    ULONG Size;
    ULONG Flags; /* ACX_DATAFORMAT_CONFIG_FLAGS */
    ACX_DATAFORMAT_TYPE Type;
    union {
        PVOID KsFormat; /* a KSDATAFORMAT */
    } u;
} ACX_DATAFORMAT_CONFIG, *PACX_DATAFORMAT_CONFIG;

/* AcxDataFormatCreate — ddi/acxdataformat/nf-acxdataformat-acxdataformatcreate */
typedef NTSTATUS (NTAPI *PFN_ACXDATAFORMATCREATE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                  WDFDEVICE Device,
                                                  PWDF_OBJECT_ATTRIBUTES Attributes,
                                                  PACX_DATAFORMAT_CONFIG Config,
                                                  ACXDATAFORMAT *Format);
/* AcxDataFormatGetKsDataFormat — ddi/acxdataformat/nf-acxdataformat-acxdataformatgetksdataformat */
typedef PVOID (NTAPI *PFN_ACXDATAFORMATGETKSDATAFORMAT)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                        ACXDATAFORMAT DataFormat);
/* AcxDataFormatListAddDataFormat —
 * ddi/acxdataformat/nf-acxdataformat-acxdataformatlistadddataformat */
typedef NTSTATUS (NTAPI *PFN_ACXDATAFORMATLISTADDDATAFORMAT)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                             ACXDATAFORMATLIST List,
                                                             ACXDATAFORMAT DataFormat);
/* AcxDataFormatListAssignDefaultDataFormat —
 * ddi/acxdataformat/nf-acxdataformat-acxdataformatlistassigndefaultdataformat */
typedef NTSTATUS (NTAPI *PFN_ACXDATAFORMATLISTASSIGNDEFAULTDATAFORMAT)(
    PACX_DRIVER_GLOBALS DriverGlobals, ACXDATAFORMATLIST List, ACXDATAFORMAT DataFormat);

/* ==== acxpin.h =================================================================================*/
/* AcxPinIdDefault — ddi/acxpin/nf-acxpin-acx_pin_config_init ("ACX assigns the next sequential
 * ID"; ACX_PIN_CONFIG_INIT_ID: "the only valid accepted ID is AcxPinIdDefault").
 * AcxJackPropertiesIdDefault — ddi/acxpin/ns-acxpin-acx_jack_config ("set to
 * AcxJackPropertiesIdDefault"). The values are not documented: PLACEHOLDERS. Plain integers
 * (no cast) so that bindgen, which skips macros containing casts, emits them as constants. */
#define AcxPinIdDefault 0xFFFFFFFF            /* PLACEHOLDER value */
#define AcxJackPropertiesIdDefault 0xFFFFFFFF /* PLACEHOLDER value */

/* ACX_PIN_TYPE — ddi/acxpin/ne-acxpin-acx_pin_type */
typedef enum _ACX_PIN_TYPE {
    AcxPinTypeOther,
    AcxPinTypeSink,
    AcxPinTypeSource,
    AcxPinTypeMaximum
} ACX_PIN_TYPE, *PACX_PIN_TYPE;

/* ACX_PIN_COMMUNICATION — ddi/acxpin/ne-acxpin-acx_pin_communication */
typedef enum _ACX_PIN_COMMUNICATION {
    AcxPinCommunicationNone,
    AcxPinCommunicationSink,
    AcxPinCommunicationSource,
    AcxPinCommunicationMaximum
} ACX_PIN_COMMUNICATION, *PACX_PIN_COMMUNICATION;

/* ACX_PIN_QUALIFIER — ddi/acxpin/ne-acxpin-acx_pin_qualifier */
typedef enum _ACX_PIN_QUALIFIER {
    AcxPinQualifierUnknown,
    AcxPinQualifierBridgeA,
    AcxPinQualifierBridgeB,
    AcxPinQualifierBridgeDevice,
    AcxPinQualifierMaximum
} ACX_PIN_QUALIFIER, *PACX_PIN_QUALIFIER;

/* ACX_PIN_CONFIG — ddi/acxpin/ns-acxpin-acx_pin_config (MaxStreams is in the current page;
 * earlier revisions of the page end at u). */
typedef struct _ACX_PIN_CONFIG {
    ULONG Size;
    ULONG Flags; /* ACX_PIN_CONFIG_FLAGS */
    ULONG Id;
    ACX_PIN_TYPE Type;
    ACX_PIN_COMMUNICATION Communication;
    ACX_PIN_QUALIFIER Qualifier;
    const GUID *Category;
    const GUID *Name;
    PACX_PIN_CALLBACKS PinCallbacks;
    ULONG PropertiesCount;
    ULONG MethodsCount;
    PACX_PROPERTY_ITEM Properties;
    PACX_METHOD_ITEM Methods;
    union {
        PACX_MICROPHONE_CONFIG MicrophoneConfig;
    } u;
    ULONG MaxStreams;
} ACX_PIN_CONFIG, *PACX_PIN_CONFIG;

/* ACX_JACK_CONNECTION_TYPE — ddi/acxpin/ne-acxpin-acx_jack_connection_type */
typedef enum _ACX_JACK_CONNECTION_TYPE {
    AcxConnTypeUnknown,
    AcxConnType3Point5mm,
    AcxConnTypeQuarter,
    AcxConnTypeAtapiInternal,
    AcxConnTypeRCA,
    AcxConnTypeOptical,
    AcxConnTypeOtherDigital,
    AcxConnTypeOtherAnalog,
    AcxConnTypeMultichannelAnalogDIN,
    AcxConnTypeXlrProfessional,
    AcxConnTypeRJ11Modem,
    AcxConnTypeCombination
} ACX_JACK_CONNECTION_TYPE, *PACX_JACK_CONNECTION_TYPE;

/* ACX_JACK_GEO_LOCATION — ddi/acxpin/ne-acxpin-acx_jack_geo_location (the page lists the
 * members without values; declared in that order from 0). */
typedef enum _ACX_JACK_GEO_LOCATION {
    AcxGeoLocRear,
    AcxGeoLocFront,
    AcxGeoLocLeft,
    AcxGeoLocRight,
    AcxGeoLocTop,
    AcxGeoLocBottom,
    AcxGeoLocRearPanel,
    AcxGeoLocRiser,
    AcxGeoLocInsideMobileLid,
    AcxGeoLocDrivebay,
    AcxGeoLocHDMI,
    AcxGeoLocOutsideMobileLid,
    AcxGeoLocATAPI,
    AcxGeoLocNotApplicable,
    AcxGeoLocReserved6,
    AcxJackGeoLocationMaximum
} ACX_JACK_GEO_LOCATION, *PACX_JACK_GEO_LOCATION;

/* ACX_JACK_GEN_LOCATION — ddi/acxpin/ne-acxpin-acx_jack_gen_location */
typedef enum _ACX_JACK_GEN_LOCATION {
    AcxGenLocPrimaryBox,
    AcxGenLocInternal,
    AcxGenLocSeparate,
    AcxGenLocOther,
    AcxJackGenLocationMaximum
} ACX_JACK_GEN_LOCATION, *PACX_JACK_GEN_LOCATION;

/* ACX_JACK_PORT_CONNECTION — ddi/acxpin/ne-acxpin-acx_jack_port_connection */
typedef enum _ACX_JACK_PORT_CONNECTION {
    AcxPortConnJack,
    AcxPortConnIntegratedDevice,
    AcxPortConnBothIntegratedAndJack,
    AcxPortConnUnknown
} ACX_JACK_PORT_CONNECTION, *PACX_JACK_PORT_CONNECTION;

/* ACX_JACK_DESCRIPTION — ddi/acxpin/ns-acxpin-acx_jack_description */
typedef struct _ACX_JACK_DESCRIPTION {
    ULONG ChannelMapping;
    ULONG Color;
    ACX_JACK_CONNECTION_TYPE ConnectionType;
    ACX_JACK_GEO_LOCATION GeoLocation;
    ACX_JACK_GEN_LOCATION GenLocation;
    ACX_JACK_PORT_CONNECTION PortConnection;
} ACX_JACK_DESCRIPTION, *PACX_JACK_DESCRIPTION;

/* ACX_JACK_CONFIG — ddi/acxpin/ns-acxpin-acx_jack_config */
typedef struct _ACX_JACK_CONFIG {
    ULONG Size;
    ULONG Id;
    ULONG Flags; /* ACX_JACK_CONFIG_FLAGS */
    PACX_JACK_CALLBACKS Callbacks;
    ACX_JACK_DESCRIPTION Description;
} ACX_JACK_CONFIG, *PACX_JACK_CONFIG;

/* AcxPinCreate — ddi/acxpin/nf-acxpin-acxpincreate */
typedef NTSTATUS (NTAPI *PFN_ACXPINCREATE)(PACX_DRIVER_GLOBALS DriverGlobals, ACXCIRCUIT Circuit,
                                           PWDF_OBJECT_ATTRIBUTES Attributes,
                                           PACX_PIN_CONFIG Config, ACXPIN *Pin);
/* AcxPinAddJacks — ddi/acxpin/nf-acxpin-acxpinaddjacks */
typedef NTSTATUS (NTAPI *PFN_ACXPINADDJACKS)(PACX_DRIVER_GLOBALS DriverGlobals, ACXPIN Pin,
                                             ACXJACK *Jacks, ULONG JackCount);
/* AcxPinGetRawDataFormatList — ddi/acxpin/nf-acxpin-acxpingetrawdataformatlist */
typedef ACXDATAFORMATLIST (NTAPI *PFN_ACXPINGETRAWDATAFORMATLIST)(
    PACX_DRIVER_GLOBALS DriverGlobals, ACXPIN Pin);
/* AcxJackCreate — ddi/acxpin/nf-acxpin-acxjackcreate */
typedef NTSTATUS (NTAPI *PFN_ACXJACKCREATE)(PACX_DRIVER_GLOBALS DriverGlobals, ACXPIN AcxPin,
                                            PWDF_OBJECT_ATTRIBUTES Attributes,
                                            PACX_JACK_CONFIG Config, ACXJACK *Jack);

/* ==== acxelements.h ============================================================================*/
/* AcxElementIdDefault — ddi/acxelements/nf-acxelements-acx_mute_config_init_id ("Set only to
 * AcxElementIdDefault"; the same for the other element *_INIT_ID functions). The value is not
 * documented: PLACEHOLDER. */
#define AcxElementIdDefault 0xFFFFFFFF /* PLACEHOLDER value */

/* ACX_VOLUME_CURVE_TYPE — ddi/acxelements/ne-acxelements-acx_volume_curve_type */
typedef enum _ACX_VOLUME_CURVE_TYPE {
    AcxVolumeCurveTypeNone,
    AcxVolumeCurveTypeFade
} ACX_VOLUME_CURVE_TYPE, *PACX_VOLUME_CURVE_TYPE;

/* EVT_ACX_VOLUME_ASSIGN_LEVEL — ddi/acxelements/nc-acxelements-evt_acx_volume_assign_level */
typedef NTSTATUS NTAPI EVT_ACX_VOLUME_ASSIGN_LEVEL(ACXVOLUME Volume, ULONG Channel,
                                                   LONG VolumeLevel);
typedef EVT_ACX_VOLUME_ASSIGN_LEVEL *PFN_ACX_VOLUME_ASSIGN_LEVEL;
/* EVT_ACX_RAMPED_VOLUME_ASSIGN_LEVEL —
 * ddi/acxelements/nc-acxelements-evt_acx_ramped_volume_assign_level */
typedef NTSTATUS NTAPI EVT_ACX_RAMPED_VOLUME_ASSIGN_LEVEL(ACXVOLUME Volume, ULONG Channel,
                                                          LONG VolumeLevel,
                                                          ACX_VOLUME_CURVE_TYPE CurveType,
                                                          ULONGLONG CurveDuration);
typedef EVT_ACX_RAMPED_VOLUME_ASSIGN_LEVEL *PFN_ACX_RAMPED_VOLUME_ASSIGN_LEVEL;
/* EVT_ACX_VOLUME_RETRIEVE_LEVEL — ddi/acxelements/nc-acxelements-evt_acx_volume_retrieve_level */
typedef NTSTATUS NTAPI EVT_ACX_VOLUME_RETRIEVE_LEVEL(ACXVOLUME Volume, ULONG Channel,
                                                     LONG *VolumeLevel);
typedef EVT_ACX_VOLUME_RETRIEVE_LEVEL *PFN_ACX_VOLUME_RETRIEVE_LEVEL;
/* EVT_ACX_MUTE_ASSIGN_STATE — ddi/acxelements/nc-acxelements-evt_acx_mute_assign_state */
typedef NTSTATUS NTAPI EVT_ACX_MUTE_ASSIGN_STATE(ACXMUTE Mute, ULONG Channel, ULONG State);
typedef EVT_ACX_MUTE_ASSIGN_STATE *PFN_ACX_MUTE_ASSIGN_STATE;
/* EVT_ACX_MUTE_RETRIEVE_STATE — ddi/acxelements/nc-acxelements-evt_acx_mute_retrieve_state */
typedef NTSTATUS NTAPI EVT_ACX_MUTE_RETRIEVE_STATE(ACXMUTE Mute, ULONG Channel, ULONG *State);
typedef EVT_ACX_MUTE_RETRIEVE_STATE *PFN_ACX_MUTE_RETRIEVE_STATE;

/* ACX_VOLUME_CALLBACKS — ddi/acxelements/ns-acxelements-acx_volume_callbacks */
typedef struct _ACX_VOLUME_CALLBACKS {
    ULONG Size;
    PFN_ACX_VOLUME_ASSIGN_LEVEL EvtAcxVolumeAssignLevel;
    PFN_ACX_RAMPED_VOLUME_ASSIGN_LEVEL EvtAcxRampedVolumeAssignLevel;
    PFN_ACX_VOLUME_RETRIEVE_LEVEL EvtAcxVolumeRetrieveLevel;
    PFN_ACX_OBJECT_PROCESS_REQUEST EvtAcxVolumeProcessRequest;
} ACX_VOLUME_CALLBACKS, *PACX_VOLUME_CALLBACKS;

/* ACX_VOLUME_CONFIG — ddi/acxelements/ns-acxelements-acx_volume_config */
typedef struct _ACX_VOLUME_CONFIG {
    ULONG Size;
    ULONG Id;
    const GUID *Name;
    ULONG Flags; /* ACX_VOLUME_CONFIG_FLAGS */
    ULONG ChannelsCount;
    LONG Maximum;
    LONG Minimum;
    ULONG SteppingDelta;
    PACX_VOLUME_CALLBACKS Callbacks;
} ACX_VOLUME_CONFIG, *PACX_VOLUME_CONFIG;

/* ACX_MUTE_CALLBACKS — ddi/acxelements/ns-acxelements-acx_mute_callbacks */
typedef struct _ACX_MUTE_CALLBACKS {
    ULONG Size;
    PFN_ACX_MUTE_ASSIGN_STATE EvtAcxMuteAssignState;
    PFN_ACX_MUTE_RETRIEVE_STATE EvtAcxMuteRetrieveState;
    PFN_ACX_OBJECT_PROCESS_REQUEST EvtAcxMuteProcessRequest;
} ACX_MUTE_CALLBACKS, *PACX_MUTE_CALLBACKS;

/* ACX_MUTE_CONFIG — ddi/acxelements/ns-acxelements-acx_mute_config */
typedef struct _ACX_MUTE_CONFIG {
    ULONG Size;
    ULONG Id;
    const GUID *Name;
    ULONG Flags; /* ACX_MUTE_CONFIG_FLAGS */
    ULONG ChannelsCount;
    PACX_MUTE_CALLBACKS Callbacks;
} ACX_MUTE_CONFIG, *PACX_MUTE_CONFIG;

/* AcxElementGetContainer — ddi/acxelements/nf-acxelements-acxelementgetcontainer */
typedef ACXOBJECT (NTAPI *PFN_ACXELEMENTGETCONTAINER)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                      ACXELEMENT Element);
/* AcxVolumeCreate — ddi/acxelements/nf-acxelements-acxvolumecreate */
typedef NTSTATUS (NTAPI *PFN_ACXVOLUMECREATE)(PACX_DRIVER_GLOBALS DriverGlobals, ACXOBJECT Object,
                                              PWDF_OBJECT_ATTRIBUTES Attributes,
                                              PACX_VOLUME_CONFIG Config, ACXVOLUME *Volume);
/* AcxMuteCreate — ddi/acxelements/nf-acxelements-acxmutecreate */
typedef NTSTATUS (NTAPI *PFN_ACXMUTECREATE)(PACX_DRIVER_GLOBALS DriverGlobals, ACXOBJECT Object,
                                            PWDF_OBJECT_ATTRIBUTES Attributes,
                                            PACX_MUTE_CONFIG Config, ACXMUTE *Mute);

/* ==== acxstreams.h =============================================================================*/
/* ACX_RTPACKET — ddi/acxstreams/ns-acxstreams-acx_rtpacket */
typedef struct _ACX_RTPACKET {
    ULONG Size;
    WDF_MEMORY_DESCRIPTOR RtPacketBuffer;
    ULONG RtPacketOffset;
    ULONG RtPacketSize;
} ACX_RTPACKET, *PACX_RTPACKET;

/* EVT_ACX_STREAM_PREPARE_HARDWARE — ddi/acxstreams/nc-acxstreams-evt_acx_stream_prepare_hardware */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_PREPARE_HARDWARE(ACXSTREAM Stream);
typedef EVT_ACX_STREAM_PREPARE_HARDWARE *PFN_ACX_STREAM_PREPARE_HARDWARE;
/* EVT_ACX_STREAM_RELEASE_HARDWARE — ddi/acxstreams/nc-acxstreams-evt_acx_stream_release_hardware */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_RELEASE_HARDWARE(ACXSTREAM Stream);
typedef EVT_ACX_STREAM_RELEASE_HARDWARE *PFN_ACX_STREAM_RELEASE_HARDWARE;
/* EVT_ACX_STREAM_RUN — ddi/acxstreams/nc-acxstreams-evt_acx_stream_run */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_RUN(ACXSTREAM Stream);
typedef EVT_ACX_STREAM_RUN *PFN_ACX_STREAM_RUN;
/* EVT_ACX_STREAM_PAUSE — ddi/acxstreams/nc-acxstreams-evt_acx_stream_pause */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_PAUSE(ACXSTREAM Stream);
typedef EVT_ACX_STREAM_PAUSE *PFN_ACX_STREAM_PAUSE;
/* EVT_ACX_STREAM_ASSIGN_DRM_CONTENT_ID —
 * ddi/acxstreams/nc-acxstreams-evt_acx_stream_assign_drm_content_id */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_ASSIGN_DRM_CONTENT_ID(ACXSTREAM Stream, ULONG ContentId,
                                                            PACXDRMRIGHTS DrmRights);
typedef EVT_ACX_STREAM_ASSIGN_DRM_CONTENT_ID *PFN_ACX_STREAM_ASSIGN_DRM_CONTENT_ID;

/* ACX_STREAM_CALLBACKS — ddi/acxstreams/ns-acxstreams-acx_stream_callbacks */
typedef struct _ACX_STREAM_CALLBACKS {
    ULONG Size;
    PFN_ACX_STREAM_PREPARE_HARDWARE EvtAcxStreamPrepareHardware;
    PFN_ACX_STREAM_RELEASE_HARDWARE EvtAcxStreamReleaseHardware;
    PFN_ACX_STREAM_RUN EvtAcxStreamRun;
    PFN_ACX_STREAM_PAUSE EvtAcxStreamPause;
    PFN_ACX_STREAM_ASSIGN_DRM_CONTENT_ID EvtAcxStreamAssignDrmContentId;
} ACX_STREAM_CALLBACKS, *PACX_STREAM_CALLBACKS;

/* EVT_ACX_STREAM_GET_HW_LATENCY — ddi/acxstreams/nc-acxstreams-evt_acx_stream_get_hw_latency */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_GET_HW_LATENCY(ACXSTREAM Stream, ULONG *FifoSize,
                                                     ULONG *Delay);
typedef EVT_ACX_STREAM_GET_HW_LATENCY *PFN_ACX_STREAM_GET_HW_LATENCY;
/* EVT_ACX_STREAM_ALLOCATE_RTPACKETS —
 * ddi/acxstreams/nc-acxstreams-evt_acx_stream_allocate_rtpackets */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_ALLOCATE_RTPACKETS(ACXSTREAM Stream, ULONG PacketCount,
                                                         ULONG PacketSize,
                                                         PACX_RTPACKET *Packets);
typedef EVT_ACX_STREAM_ALLOCATE_RTPACKETS *PFN_ACX_STREAM_ALLOCATE_RTPACKETS;
/* EVT_ACX_STREAM_FREE_RTPACKETS — ddi/acxstreams/nc-acxstreams-evt_acx_stream_free_rtpackets */
typedef VOID NTAPI EVT_ACX_STREAM_FREE_RTPACKETS(ACXSTREAM Stream, PACX_RTPACKET Packets,
                                                 ULONG PacketCount);
typedef EVT_ACX_STREAM_FREE_RTPACKETS *PFN_ACX_STREAM_FREE_RTPACKETS;
/* EVT_ACX_STREAM_SET_RENDER_PACKET — ddi/acxstreams/nc-acxstreams-evt_acx_stream_set_render_packet */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_SET_RENDER_PACKET(ACXSTREAM Stream, ULONG Packet,
                                                        ULONG Flags, ULONG EosPacketLength);
typedef EVT_ACX_STREAM_SET_RENDER_PACKET *PFN_ACX_STREAM_SET_RENDER_PACKET;
/* EVT_ACX_STREAM_GET_CURRENT_PACKET —
 * ddi/acxstreams/nc-acxstreams-evt_acx_stream_get_current_packet */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_GET_CURRENT_PACKET(ACXSTREAM Stream, PULONG CurrentPacket);
typedef EVT_ACX_STREAM_GET_CURRENT_PACKET *PFN_ACX_STREAM_GET_CURRENT_PACKET;
/* EVT_ACX_STREAM_GET_CAPTURE_PACKET —
 * ddi/acxstreams/nc-acxstreams-evt_acx_stream_get_capture_packet */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_GET_CAPTURE_PACKET(ACXSTREAM Stream,
                                                         PULONG LastCapturePacket,
                                                         PULONGLONG QPCPacketStart,
                                                         PBOOLEAN MoreData);
typedef EVT_ACX_STREAM_GET_CAPTURE_PACKET *PFN_ACX_STREAM_GET_CAPTURE_PACKET;
/* EVT_ACX_STREAM_GET_PRESENTATION_POSITION —
 * ddi/acxstreams/nc-acxstreams-evt_acx_stream_get_presentation_position */
typedef NTSTATUS NTAPI EVT_ACX_STREAM_GET_PRESENTATION_POSITION(ACXSTREAM Stream,
                                                                PULONGLONG PositionInBlocks,
                                                                PULONGLONG QPCPosition);
typedef EVT_ACX_STREAM_GET_PRESENTATION_POSITION *PFN_ACX_STREAM_GET_PRESENTATION_POSITION;

/* ACX_RT_STREAM_CALLBACKS — ddi/acxstreams/ns-acxstreams-acx_rt_stream_callbacks */
typedef struct _ACX_RT_STREAM_CALLBACKS {
    ULONG Size;
    PFN_ACX_STREAM_GET_HW_LATENCY EvtAcxStreamGetHwLatency;
    PFN_ACX_STREAM_ALLOCATE_RTPACKETS EvtAcxStreamAllocateRtPackets;
    PFN_ACX_STREAM_FREE_RTPACKETS EvtAcxStreamFreeRtPackets;
    PFN_ACX_STREAM_SET_RENDER_PACKET EvtAcxStreamSetRenderPacket;
    PFN_ACX_STREAM_GET_CURRENT_PACKET EvtAcxStreamGetCurrentPacket;
    PFN_ACX_STREAM_GET_CAPTURE_PACKET EvtAcxStreamGetCapturePacket;
    PFN_ACX_STREAM_GET_PRESENTATION_POSITION EvtAcxStreamGetPresentationPosition;
} ACX_RT_STREAM_CALLBACKS, *PACX_RT_STREAM_CALLBACKS;

/* AcxStreamInitAssignAcxStreamCallbacks —
 * ddi/acxstreams/nf-acxstreams-acxstreaminitassignacxstreamcallbacks */
typedef NTSTATUS (NTAPI *PFN_ACXSTREAMINITASSIGNACXSTREAMCALLBACKS)(
    PACX_DRIVER_GLOBALS DriverGlobals, PACXSTREAM_INIT StreamInit,
    PACX_STREAM_CALLBACKS StreamCallbacks);
/* AcxStreamInitAssignAcxRtStreamCallbacks —
 * ddi/acxstreams/nf-acxstreams-acxstreaminitassignacxrtstreamcallbacks */
typedef NTSTATUS (NTAPI *PFN_ACXSTREAMINITASSIGNACXRTSTREAMCALLBACKS)(
    PACX_DRIVER_GLOBALS DriverGlobals, PACXSTREAM_INIT StreamInit,
    PACX_RT_STREAM_CALLBACKS RtStreamCallbacks);
/* AcxStreamInitSetAcxRtStreamSupportsNotifications —
 * ddi/acxstreams/nf-acxstreams-acxstreaminitsetacxrtstreamsupportsnotifications */
typedef VOID (NTAPI *PFN_ACXSTREAMINITSETACXRTSTREAMSUPPORTSNOTIFICATIONS)(
    PACX_DRIVER_GLOBALS DriverGlobals, PACXSTREAM_INIT StreamInit);
/* AcxRtStreamCreate — ddi/acxstreams/nf-acxstreams-acxrtstreamcreate */
typedef NTSTATUS (NTAPI *PFN_ACXRTSTREAMCREATE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                WDFDEVICE Device, ACXCIRCUIT Circuit,
                                                PWDF_OBJECT_ATTRIBUTES Attributes,
                                                PACXSTREAM_INIT *Config, ACXSTREAM *Stream);
/* AcxRtStreamNotifyPacketComplete — ddi/acxstreams/nf-acxstreams-acxrtstreamnotifypacketcomplete */
typedef NTSTATUS (NTAPI *PFN_ACXRTSTREAMNOTIFYPACKETCOMPLETE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                              ACXSTREAM Stream,
                                                              ULONGLONG CompletedPacket,
                                                              ULONGLONG QPCCompletion);

/* ==== acxcircuit.h =============================================================================*/
/* ACX_CIRCUIT_TYPE — ddi/acxcircuit/ne-acxcircuit-acx_circuit_type */
typedef enum _ACX_CIRCUIT_TYPE {
    AcxCircuitTypeOther,
    AcxCircuitTypeRender,
    AcxCircuitTypeCapture,
    AcxCircuitTypeMaximum
} ACX_CIRCUIT_TYPE, *PACX_CIRCUIT_TYPE;

/* EVT_ACX_CIRCUIT_CREATE_STREAM — ddi/acxcircuit/nc-acxcircuit-evt_acx_circuit_create_stream */
typedef NTSTATUS NTAPI EVT_ACX_CIRCUIT_CREATE_STREAM(WDFDEVICE Device, ACXCIRCUIT Circuit,
                                                     ACXPIN Pin, PACXSTREAM_INIT StreamInit,
                                                     ACXDATAFORMAT StreamFormat,
                                                     const GUID *SignalProcessingMode,
                                                     ACXOBJECTBAG VarArguments);
typedef EVT_ACX_CIRCUIT_CREATE_STREAM *PFN_ACX_CIRCUIT_CREATE_STREAM;

/* AcxCircuitInitAllocate — ddi/acxcircuit/nf-acxcircuit-acxcircuitinitallocate */
typedef PACXCIRCUIT_INIT (NTAPI *PFN_ACXCIRCUITINITALLOCATE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                             WDFDEVICE Device);
/* AcxCircuitInitFree — ddi/acxcircuit/nf-acxcircuit-acxcircuitinitfree */
typedef VOID (NTAPI *PFN_ACXCIRCUITINITFREE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                             PACXCIRCUIT_INIT CircuitInit);
/* AcxCircuitInitAssignName — ddi/acxcircuit/nf-acxcircuit-acxcircuitinitassignname */
typedef NTSTATUS (NTAPI *PFN_ACXCIRCUITINITASSIGNNAME)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                       PACXCIRCUIT_INIT CircuitInit,
                                                       PCUNICODE_STRING CircuitName);
/* AcxCircuitInitSetCircuitType — ddi/acxcircuit/nf-acxcircuit-acxcircuitinitsetcircuittype */
typedef VOID (NTAPI *PFN_ACXCIRCUITINITSETCIRCUITTYPE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                       PACXCIRCUIT_INIT CircuitInit,
                                                       ACX_CIRCUIT_TYPE CircuitType);
/* AcxCircuitInitAssignAcxCreateStreamCallback —
 * ddi/acxcircuit/nf-acxcircuit-acxcircuitinitassignacxcreatestreamcallback */
typedef NTSTATUS (NTAPI *PFN_ACXCIRCUITINITASSIGNACXCREATESTREAMCALLBACK)(
    PACX_DRIVER_GLOBALS DriverGlobals, PACXCIRCUIT_INIT CircuitInit,
    PFN_ACX_CIRCUIT_CREATE_STREAM EvtCircuitCreateStream);
/* AcxCircuitInitAssignProperties — ddi/acxcircuit/nf-acxcircuit-acxcircuitinitassignproperties */
typedef NTSTATUS (NTAPI *PFN_ACXCIRCUITINITASSIGNPROPERTIES)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                             PACXCIRCUIT_INIT CircuitInit,
                                                             PACX_PROPERTY_ITEM Properties,
                                                             ULONG PropertiesCount);
/* AcxCircuitCreate — ddi/acxcircuit/nf-acxcircuit-acxcircuitcreate */
typedef NTSTATUS (NTAPI *PFN_ACXCIRCUITCREATE)(PACX_DRIVER_GLOBALS DriverGlobals, WDFDEVICE Device,
                                               PWDF_OBJECT_ATTRIBUTES Attributes,
                                               PACXCIRCUIT_INIT *Config, ACXCIRCUIT *Circuit);
/* AcxCircuitAddElements — ddi/acxcircuit/nf-acxcircuit-acxcircuitaddelements */
typedef NTSTATUS (NTAPI *PFN_ACXCIRCUITADDELEMENTS)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                    ACXCIRCUIT Circuit, ACXELEMENT *Elements,
                                                    ULONG ElementsCount);
/* AcxCircuitAddPins — ddi/acxcircuit/nf-acxcircuit-acxcircuitaddpins */
typedef NTSTATUS (NTAPI *PFN_ACXCIRCUITADDPINS)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                ACXCIRCUIT Circuit, ACXPIN *Pins,
                                                ULONG PinsCount);
/* AcxCircuitGetWdfDevice — ddi/acxcircuit/nf-acxcircuit-acxcircuitgetwdfdevice */
typedef WDFDEVICE (NTAPI *PFN_ACXCIRCUITGETWDFDEVICE)(PACX_DRIVER_GLOBALS DriverGlobals,
                                                      ACXCIRCUIT Circuit);

#ifdef __cplusplus
}
#endif

#endif /* CADENZA_ACX_H */
