namespace OpenNdi.Core;
internal static class Placeholder { }
