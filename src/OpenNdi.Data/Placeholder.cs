namespace OpenNdi.Data;
internal static class Placeholder { }
