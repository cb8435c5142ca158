using Hl7.Fhir.Model;

namespace OpenNdi.Fhir.Merging;

/// <summary>Walks a resource's element tree (Firely's <see cref="Base.EnumerateElements"/>), for the references and identifiers inside it.</summary>
public static class ResourceWalk
{
    /// <summary>Every element below <paramref name="node"/>, depth first; contained resources included.</summary>
    public static IEnumerable<Base> Descendants(Base node)
    {
        foreach (var (_, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    yield return child;
                    foreach (var below in Descendants(child))
                        yield return below;
                    break;
                case IEnumerable<Base> children:
                    foreach (var child in children)
                    {
                        yield return child;
                        foreach (var below in Descendants(child))
                            yield return below;
                    }
                    break;
            }
        }
    }

    public static IEnumerable<ResourceReference> References(Base node) => Descendants(node).OfType<ResourceReference>();
}
